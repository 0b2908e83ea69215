// The Forth probe's compiler and programs (see Docs/probes/ForthVm.cs).
using System.Diagnostics;

// A small Forth compiler to threaded code: `: name ... ;` definitions, numbers, primitives, if/else/then,
// begin/until, begin/while/repeat, do/loop/i; what is outside definitions is the main program.
static class Compiler
{
    static readonly Dictionary<string, Prim> Prims = new()
    {
        ["+"] = Prim.Add, ["-"] = Prim.Sub, ["*"] = Prim.Mul, ["mod"] = Prim.Mod, ["dup"] = Prim.Dup, ["drop"] = Prim.Drop,
        ["swap"] = Prim.Swap, ["over"] = Prim.Over, ["rot"] = Prim.Rot, ["1+"] = Prim.Inc, ["<"] = Prim.Less, ["="] = Prim.Equal,
        ["i"] = Prim.I, ["."] = Prim.Print, ["exit"] = Prim.Exit,
    };

    public static (int[] Code, int Main) Compile(string source)
    {
        var code = new List<int>();
        var words = new Dictionary<string, int>();
        var main = new List<string>();
        var tokens = source.Split((char[])null, StringSplitOptions.RemoveEmptyEntries);
        var control = new Stack<int>();
        for (int k = 0; k < tokens.Length; k++)
        {
            if (tokens[k] == ":")
            {
                string name = tokens[++k];
                words[name] = code.Count;
                for (k++; tokens[k] != ";"; k++) Word(tokens[k], code, words, control);
                code.Add((int)Prim.Exit);
            }
            else main.Add(tokens[k]);
        }
        int start = code.Count;
        foreach (var token in main) Word(token, code, words, control);
        code.Add((int)Prim.Halt);
        return (code.ToArray(), start);
    }

    static void Word(string token, List<int> code, Dictionary<string, int> words, Stack<int> control)
    {
        switch (token)
        {
            case "if": code.Add((int)Prim.ZBranch); control.Push(code.Count); code.Add(0); return;
            case "else": code.Add((int)Prim.Branch); int hole = code.Count; code.Add(0); code[control.Pop()] = code.Count; control.Push(hole); return;
            case "then": code[control.Pop()] = code.Count; return;
            case "begin": control.Push(code.Count); return;
            case "until": code.Add((int)Prim.ZBranch); code.Add(control.Pop()); return;
            case "while": code.Add((int)Prim.ZBranch); control.Push(code.Count); code.Add(0); return;
            case "repeat": { int exit = control.Pop(); code.Add((int)Prim.Branch); code.Add(control.Pop()); code[exit] = code.Count; return; }
            case "do": code.Add((int)Prim.Do); control.Push(code.Count); return;
            case "loop": code.Add((int)Prim.Loop); code.Add(control.Pop()); return;
        }
        if (Prims.TryGetValue(token, out var prim)) { code.Add((int)prim); return; }
        if (words.TryGetValue(token, out int address)) { code.Add((int)Prim.Call); code.Add(address); return; }
        if (long.TryParse(token, out long number)) { code.Add((int)Prim.Lit); code.Add((int)number); return; }
        throw new InvalidOperationException($"unknown word '{token}'");
    }
}

static class Program
{
    static readonly Dictionary<string, string> Programs = new()
    {
        // sum over n of the squares of 0..999, mod a prime, through two word calls per turn
        ["squares"] = ": sq dup * ; : step i sq + 1000003 mod ; : sumsq 0 1000 0 do step loop ; 0 N 0 do sumsq + 1000003 mod loop .",
        // primes below N by trial division, begin/while/repeat inside do/loop
        ["primes"] = ": prime? 2 begin over over dup * < 0 = while over over mod 0 = if drop drop 0 exit then 1+ repeat drop drop -1 ; "
                   + "0 N 2 do i prime? if 1+ then loop .",
        // recursive fib
        ["fib"] = ": fib dup 2 < if exit then dup 1 - fib swap 2 - fib + ; N fib .",
    };

    static int Main(string[] args)
    {
        string name = args.Length > 0 ? args[0] : "squares";
        string n = args.Length > 1 ? args[1] : name switch { "squares" => "3000", "primes" => "200000", _ => "27" };
        string source = Programs[name].Replace("N", n);
        var (code, main) = Compiler.Compile(source);
        var output = new StringWriter();
        var clock = Stopwatch.StartNew();
        long top = new Forth(output).Run(code, main);
        Console.WriteLine(output.ToString().Trim());
        Console.Error.WriteLine($"{name} {n}: {clock.ElapsedMilliseconds} ms");
        return 0;
    }
}
