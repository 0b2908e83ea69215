using System.Globalization;
using System.Text;
using PeJit;
using PeJit.Examples.Lua.Values;

namespace PeJit.Examples.Lua;

/// <summary>
/// The functions written in C# that every program finds in its globals: <c>print</c>, <c>type</c>,
/// <c>tostring</c>, <c>error</c>, <c>pcall</c>, <c>math.sqrt</c>, <c>math.floor</c>, <c>math.pi</c>,
/// <c>table.concat</c>, <c>string.sub</c>.
/// </summary>
public static class Builtins
{
    /// <summary>Puts the builtins into <paramref name="globals"/>.</summary>
    public static void Install(LuaTable globals)
    {
        Define(globals, "print", Print);
        // type(v) promotes v's class (one guard per call site), so that compiled code knows the name, and what follows the
        // call (a test of the name, the value's use) is specialized per class.
        Define(globals, "type", (_, args, _) => [new LuaString(Jit.PromoteClass(Argument(args, 0)).TypeName)]);
        Define(globals, "tostring", (_, args, _) => [new LuaString(Argument(args, 0).ToString())]);
        Define(globals, "error", Error);
        globals.Set(new LuaString("pcall"), new LuaBuiltin("pcall", ProtectedCall, protectsCall: true));
        var math = new LuaTable();
        Define(math, "sqrt", (_, args, line) => [new LuaFloat(Math.Sqrt(Number(args, 0, "sqrt", line)))]);
        Define(math, "floor", Floor);
        math.Set(new LuaString("pi"), new LuaFloat(Math.PI));
        globals.Set(new LuaString("math"), math);
        var table = new LuaTable();
        Define(table, "concat", Concat);
        globals.Set(new LuaString("table"), table);
        var strings = new LuaTable();
        Define(strings, "sub", Substring);
        globals.Set(new LuaString("string"), strings);
    }

    private static void Define(LuaTable table, string name, Func<Frame, LuaValue[], int, LuaValue[]> function) =>
        table.Set(new LuaString(name), new LuaBuiltin(name, function));

    private static LuaValue Argument(LuaValue[] args, int index) => index < args.Length ? args[index] : LuaNil.Instance;

    private static double Number(LuaValue[] args, int index, string function, int line) =>
        Argument(args, index).AsDouble ?? throw Errors.BadArgument(line, index + 1, function, "number", Argument(args, index));

    // print(...): the arguments' tostring, separated by tabs.
    private static LuaValue[] Print(Frame frame, LuaValue[] args, int line)
    {
        frame.State.Output.WriteLine(string.Join('\t', args.Select(a => a.ToString())));
        return [];
    }

    // error(v): raises v; a string gets the line of the call in front, as Lua's level 1 does.
    private static LuaValue[] Error(Frame frame, LuaValue[] args, int line)
    {
        var value = Argument(args, 0);
        throw value is LuaString message ? LuaError.At(line, message.Value) : new LuaError(value);
    }

    // pcall(f, ...): true and f's results, or false and the error value. A Lua function f is called by the interpreter
    // itself (Interpreter.Run's Call, LuaBuiltin.ProtectsCall); this serves builtins and values that are not functions.
    private static LuaValue[] ProtectedCall(Frame frame, LuaValue[] args, int line)
    {
        try
        {
            var results = Interpreter.Call(frame, Argument(args, 0), args.Length > 1 ? args[1..] : [], line);
            return [LuaBoolean.True, .. results];
        }
        catch (LuaError error)
        {
            return [LuaBoolean.False, error.Value];
        }
    }

    // math.floor(x): an integer when x is one or its floor fits.
    private static LuaValue[] Floor(Frame frame, LuaValue[] args, int line)
    {
        if (Argument(args, 0) is LuaInteger integer) return [integer];
        double floor = Math.Floor(Number(args, 0, "floor", line));
        return [floor >= long.MinValue && floor < 9.2233720368547758e18 ? new LuaInteger((long)floor) : new LuaFloat(floor)];
    }

    // table.concat(t [, sep]): the strings and numbers t[1..#t], joined.
    private static LuaValue[] Concat(Frame frame, LuaValue[] args, int line)
    {
        if (Argument(args, 0) is not LuaTable table)
            throw Errors.BadArgument(line, 1, "concat", "table", Argument(args, 0));
        string separator = Argument(args, 1).ConcatText ?? "";
        var text = new StringBuilder();
        for (int k = 1; k <= table.ArrayCount; k++)
        {
            if (k > 1) text.Append(separator);
            var item = table.Get(new LuaInteger(k));
            text.Append(item.ConcatText ?? throw InvalidConcatValue(line, k));
        }
        return [new LuaString(text.ToString())];
    }

    // A helper, so that an inlined table.concat calls it on its error path instead of building the message there.
    private static LuaError InvalidConcatValue(int line, int index) => LuaError.At(line, $"invalid value (at index {index}) in table for 'concat'");

    // string.sub(s, i [, j]): characters i..j (1-based, negative from the end), as Lua's string.sub.
    private static LuaValue[] Substring(Frame frame, LuaValue[] args, int line)
    {
        string s = Argument(args, 0).ConcatText ?? throw Errors.BadArgument(line, 1, "sub", "string", Argument(args, 0));
        long length = s.Length;
        long start = (long)Number(args, 1, "sub", line), end = args.Length > 2 ? (long)Number(args, 2, "sub", line) : -1;
        if (start < 0) start = Math.Max(length + start + 1, 1);
        else if (start == 0) start = 1;
        if (end < 0) end = length + end + 1;
        else if (end > length) end = length;
        return [new LuaString(start > end ? "" : s.Substring((int)start - 1, (int)(end - start + 1)))];
    }

    /// <summary>A number as <c>tostring</c> formats it, for the hand-written programs.</summary>
    public static string Format(double value) => LuaArithmetic.FormatFloat(value);

    /// <summary>An integer as <c>tostring</c> formats it, for the hand-written programs.</summary>
    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
