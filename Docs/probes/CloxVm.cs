// A clox-style bytecode VM probe (Examples/STYLES-FINDINGS.md, "A clox-style bytecode VM"): not built by the solution; build it
// as Docs/probes/RulesEngine.cs says. Tests/PeJit.AnalysisSubjects/FieldStateVm.cs holds its hint style for tests.
// Written the way C# ports of "Crafting Interpreters"' clox are: the VM's state in fields (`ip`, `stackTop`, the `Value[]`
// stack), ReadByte()/Push()/Pop() helpers that move them, a tagged-union `readonly struct Value` with property getters, a
// Chunk of growable lists. The hints, as the analysis's advice led there: `ip` and `chunk` copied into promoted locals (the
// helpers that move `ip` take it by ref), the VM class [Virtualizable("stackTop", "stack[*]")] with the portal's `this` its
// implicit red. Run: `Clox sum|globals|strings [n]`.
using PeJit;

public enum OpCode : byte
{
    Constant, Nil, True, False, Pop, GetLocal, SetLocal, GetGlobal, DefineGlobal, SetGlobal,
    Equal, Greater, Less, Add, Subtract, Multiply, Divide, Modulo, Not, Negate, Print, Jump, JumpIfFalse, Loop, Return,
}

public enum ValueType { Bool, Nil, Number, Obj }

public readonly struct Value
{
    public readonly ValueType Type;
    private readonly double number;
    private readonly object obj;

    private Value(ValueType type, double number, object obj) { Type = type; this.number = number; this.obj = obj; }

    public static Value Nil => new(ValueType.Nil, 0, null);
    public static Value Bool(bool b) => new(ValueType.Bool, b ? 1 : 0, null);
    public static Value Number(double d) => new(ValueType.Number, d, null);
    public static Value Obj(object o) => new(ValueType.Obj, 0, o);

    public bool IsNumber => Type == ValueType.Number;
    public bool IsBool => Type == ValueType.Bool;
    public bool IsNil => Type == ValueType.Nil;
    public bool IsString => Type == ValueType.Obj && obj is string;
    public double AsNumber => number;
    public bool AsBool => number != 0;
    public string AsString => (string)obj;
    public bool IsFalsey => IsNil || (IsBool && !AsBool);

    public static bool ValuesEqual(Value a, Value b)
    {
        if (a.Type != b.Type) return false;
        return a.Type switch
        {
            ValueType.Bool => a.AsBool == b.AsBool,
            ValueType.Nil => true,
            ValueType.Number => a.number == b.number,
            _ => Equals(a.obj, b.obj),
        };
    }

    public override string ToString() => Type switch
    {
        ValueType.Bool => AsBool ? "true" : "false",
        ValueType.Nil => "nil",
        ValueType.Number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => obj.ToString(),
    };
}

public sealed class Chunk
{
    public readonly List<byte> Code = new();
    public readonly List<int> Lines = new();
    public readonly List<Value> Constants = new();

    public void Write(byte b, int line) { Code.Add(b); Lines.Add(line); }
    public void Write(OpCode op, int line) => Write((byte)op, line);
    public int AddConstant(Value v) { Constants.Add(v); return Constants.Count - 1; }
}

public enum InterpretResult { Ok, CompileError, RuntimeError }

[Virtualizable("stackTop", "stack[*]")]
public sealed class VM
{
    private const int StackMax = 256;
    private Chunk chunk;
    private int ip;
    private readonly Value[] stack = new Value[StackMax];
    private int stackTop;
    private readonly Dictionary<string, Value> globals = new();
    private readonly TextWriter output;

    public VM(TextWriter output) { this.output = output; }

    public InterpretResult Interpret(Chunk chunk)
    {
        this.chunk = chunk;
        ip = 0;
        stackTop = 0;
        return Run();
    }

    private void Push(Value value) => stack[stackTop++] = value;
    private Value Pop() => stack[--stackTop];
    private Value Peek(int distance) => stack[stackTop - 1 - distance];
    private static byte ReadByte(Chunk chunk, ref int ip) => chunk.Code[ip++];
    private static ushort ReadShort(Chunk chunk, ref int ip) { ip += 2; return (ushort)((chunk.Code[ip - 2] << 8) | chunk.Code[ip - 1]); }
    private static Value ReadConstant(Chunk chunk, ref int ip) => chunk.Constants[ReadByte(chunk, ref ip)];
    private static string ReadString(Chunk chunk, ref int ip) => ReadConstant(chunk, ref ip).AsString;

    private void RuntimeError(int ip, string message)
    {
        int line = chunk.Lines[ip - 1];
        output.WriteLine($"{message}\n[line {line}] in script");
        stackTop = 0;
    }

    [JitPortal(Greens = new[] { "ip", "chunk" }, Reds = new string[0])]
    private InterpretResult Run()
    {
        int ip = Jit.Promote(this.ip);
        Chunk chunk = Jit.Promote(this.chunk);
        for (;;)
        {
            Jit.MergePoint(ip, chunk);
            byte instruction = ReadByte(chunk, ref ip);
            switch ((OpCode)instruction)
            {
                case OpCode.Constant: Push(ReadConstant(chunk, ref ip)); break;
                case OpCode.Nil: Push(Value.Nil); break;
                case OpCode.True: Push(Value.Bool(true)); break;
                case OpCode.False: Push(Value.Bool(false)); break;
                case OpCode.Pop: Pop(); break;
                case OpCode.GetLocal: { byte slot = ReadByte(chunk, ref ip); Push(stack[slot]); break; }
                case OpCode.SetLocal: { byte slot = ReadByte(chunk, ref ip); stack[slot] = Peek(0); break; }
                case OpCode.GetGlobal:
                {
                    string name = ReadString(chunk, ref ip);
                    if (!globals.TryGetValue(name, out Value value)) { RuntimeError(ip, $"Undefined variable '{name}'."); return InterpretResult.RuntimeError; }
                    Push(value);
                    break;
                }
                case OpCode.DefineGlobal: { string name = ReadString(chunk, ref ip); globals[name] = Peek(0); Pop(); break; }
                case OpCode.SetGlobal:
                {
                    string name = ReadString(chunk, ref ip);
                    if (!globals.ContainsKey(name)) { RuntimeError(ip, $"Undefined variable '{name}'."); return InterpretResult.RuntimeError; }
                    globals[name] = Peek(0);
                    break;
                }
                case OpCode.Equal: { Value b = Pop(); Value a = Pop(); Push(Value.Bool(Value.ValuesEqual(a, b))); break; }
                case OpCode.Greater:
                case OpCode.Less:
                case OpCode.Subtract:
                case OpCode.Multiply:
                case OpCode.Divide:
                case OpCode.Modulo:
                {
                    if (!Peek(0).IsNumber || !Peek(1).IsNumber) { RuntimeError(ip, "Operands must be numbers."); return InterpretResult.RuntimeError; }
                    double b = Pop().AsNumber;
                    double a = Pop().AsNumber;
                    switch ((OpCode)instruction)
                    {
                        case OpCode.Greater: Push(Value.Bool(a > b)); break;
                        case OpCode.Less: Push(Value.Bool(a < b)); break;
                        case OpCode.Subtract: Push(Value.Number(a - b)); break;
                        case OpCode.Multiply: Push(Value.Number(a * b)); break;
                        case OpCode.Divide: Push(Value.Number(a / b)); break;
                        default: Push(Value.Number(a % b)); break;
                    }
                    break;
                }
                case OpCode.Add:
                {
                    if (Peek(0).IsString && Peek(1).IsString)
                    {
                        string b = Pop().AsString;
                        string a = Pop().AsString;
                        Push(Value.Obj(a + b));
                    }
                    else if (Peek(0).IsNumber && Peek(1).IsNumber)
                    {
                        double b = Pop().AsNumber;
                        double a = Pop().AsNumber;
                        Push(Value.Number(a + b));
                    }
                    else { RuntimeError(ip, "Operands must be two numbers or two strings."); return InterpretResult.RuntimeError; }
                    break;
                }
                case OpCode.Not: Push(Value.Bool(Pop().IsFalsey)); break;
                case OpCode.Negate:
                    if (!Peek(0).IsNumber) { RuntimeError(ip, "Operand must be a number."); return InterpretResult.RuntimeError; }
                    Push(Value.Number(-Pop().AsNumber));
                    break;
                case OpCode.Print: output.WriteLine(Pop().ToString()); break;
                case OpCode.Jump: { ushort offset = ReadShort(chunk, ref ip); ip += offset; break; }
                case OpCode.JumpIfFalse: { ushort offset = ReadShort(chunk, ref ip); if (Peek(0).IsFalsey) ip += offset; break; }
                case OpCode.Loop: { ushort offset = ReadShort(chunk, ref ip); ip -= offset; Jit.CanEnterJit(ip, chunk); break; }
                case OpCode.Return: return InterpretResult.Ok;
            }
        }
    }
}

// Hand-assembled Lox programs (what clox's compiler would emit for them).
sealed class Assembler
{
    public readonly Chunk Chunk = new();
    private int line = 1;
    public Assembler Line(int l) { line = l; return this; }
    public Assembler Op(OpCode op) { Chunk.Write(op, line); return this; }
    public Assembler Op(OpCode op, byte operand) { Chunk.Write(op, line); Chunk.Write(operand, line); return this; }
    public Assembler Const(Value v) => Op(OpCode.Constant, (byte)Chunk.AddConstant(v));
    public Assembler Num(double d) => Const(Value.Number(d));
    public Assembler Named(OpCode op, string name) => Op(op, (byte)Chunk.AddConstant(Value.Obj(name)));
    public int Here => Chunk.Code.Count;
    public int JumpForward(OpCode op) { Op(op); Chunk.Write(0xff, line); Chunk.Write(0xff, line); return Chunk.Code.Count - 2; }
    public void Patch(int at)
    {
        int jump = Chunk.Code.Count - at - 2;
        Chunk.Code[at] = (byte)((jump >> 8) & 0xff);
        Chunk.Code[at + 1] = (byte)(jump & 0xff);
    }
    public Assembler LoopTo(int start)
    {
        Op(OpCode.Loop);
        int offset = Chunk.Code.Count - start + 2;
        Chunk.Write((byte)((offset >> 8) & 0xff), line);
        Chunk.Write((byte)(offset & 0xff), line);
        return this;
    }
}

static class Programs
{
    // var sum = 0; var i = 0; while (i < n) { sum = sum + i % 7; i = i + 1; } print sum;   (locals)
    public static Chunk Sum(double n)
    {
        var a = new Assembler();
        a.Num(0).Num(0);
        int start = a.Here;
        a.Line(2).Op(OpCode.GetLocal, 1).Num(n).Op(OpCode.Less);
        int exit = a.JumpForward(OpCode.JumpIfFalse);
        a.Op(OpCode.Pop);
        a.Line(3).Op(OpCode.GetLocal, 0).Op(OpCode.GetLocal, 1).Num(7).Op(OpCode.Modulo).Op(OpCode.Add).Op(OpCode.SetLocal, 0).Op(OpCode.Pop);
        a.Line(4).Op(OpCode.GetLocal, 1).Num(1).Op(OpCode.Add).Op(OpCode.SetLocal, 1).Op(OpCode.Pop);
        a.LoopTo(start);
        a.Patch(exit);
        a.Op(OpCode.Pop).Line(5).Op(OpCode.GetLocal, 0).Op(OpCode.Print).Op(OpCode.Return);
        return a.Chunk;
    }

    // The same with globals: var sum = 0; var i = 0; while (i < n) { sum = sum + i % 7; i = i + 1; } print sum;
    public static Chunk Globals(double n)
    {
        var a = new Assembler();
        a.Num(0).Named(OpCode.DefineGlobal, "sum").Num(0).Named(OpCode.DefineGlobal, "i");
        int start = a.Here;
        a.Line(2).Named(OpCode.GetGlobal, "i").Num(n).Op(OpCode.Less);
        int exit = a.JumpForward(OpCode.JumpIfFalse);
        a.Op(OpCode.Pop);
        a.Line(3).Named(OpCode.GetGlobal, "sum").Named(OpCode.GetGlobal, "i").Num(7).Op(OpCode.Modulo).Op(OpCode.Add).Named(OpCode.SetGlobal, "sum").Op(OpCode.Pop);
        a.Line(4).Named(OpCode.GetGlobal, "i").Num(1).Op(OpCode.Add).Named(OpCode.SetGlobal, "i").Op(OpCode.Pop);
        a.LoopTo(start);
        a.Patch(exit);
        a.Op(OpCode.Pop).Line(5).Named(OpCode.GetGlobal, "sum").Op(OpCode.Print).Op(OpCode.Return);
        return a.Chunk;
    }

    // var s = ""; var i = 0; while (i < n) { s = s + "ab"; i = i + 1; } print s;  then a runtime error: print s - 1;
    public static Chunk StringsThenError(double n)
    {
        var a = new Assembler();
        a.Const(Value.Obj("")).Num(0);
        int start = a.Here;
        a.Line(2).Op(OpCode.GetLocal, 1).Num(n).Op(OpCode.Less);
        int exit = a.JumpForward(OpCode.JumpIfFalse);
        a.Op(OpCode.Pop);
        a.Line(3).Op(OpCode.GetLocal, 0).Const(Value.Obj("ab")).Op(OpCode.Add).Op(OpCode.SetLocal, 0).Op(OpCode.Pop);
        a.Line(4).Op(OpCode.GetLocal, 1).Num(1).Op(OpCode.Add).Op(OpCode.SetLocal, 1).Op(OpCode.Pop);
        a.LoopTo(start);
        a.Patch(exit);
        a.Op(OpCode.Pop).Line(5).Op(OpCode.GetLocal, 1).Op(OpCode.Print);
        a.Line(6).Op(OpCode.GetLocal, 0).Num(1).Op(OpCode.Subtract).Op(OpCode.Print).Op(OpCode.Return);
        return a.Chunk;
    }
}

static class Program
{
    static int Main(string[] args)
    {
        string which = args.Length > 0 ? args[0] : "sum";
        double n = args.Length > 1 ? double.Parse(args[1]) : 1_000_000;
        var chunk = which switch
        {
            "sum" => Programs.Sum(n),
            "globals" => Programs.Globals(n),
            "strings" => Programs.StringsThenError(n),
            _ => throw new ArgumentException(which),
        };
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var result = new VM(Console.Out).Interpret(chunk);
        Console.Error.WriteLine($"{which}: {result} in {sw.ElapsedMilliseconds} ms");
        return result == InterpretResult.Ok ? 0 : 70;
    }
}
