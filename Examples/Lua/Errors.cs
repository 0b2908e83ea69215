using PeJit.Examples.Lua.Values;

namespace PeJit.Examples.Lua;

/// <summary>The run-time errors the interpreter raises, worded as Lua words them, each with the line of the failing instruction.</summary>
public static class Errors
{
    /// <summary>An arithmetic operation (<paramref name="verb"/>: "add", "subtract", ...) on operands that do not support it, or an integer division by zero.</summary>
    public static LuaError Arithmetic(int line, string verb, LuaValue left, LuaValue right)
    {
        if (left.AsDouble is not null && right.AsDouble is not null)
            return LuaError.At(line, verb == "modulo" ? "attempt to perform 'n%%0'" : "attempt to perform 'n//0'");
        var culprit = left.AsDouble is null ? left : right;
        return LuaError.At(line, $"attempt to {verb} a {culprit.TypeName} value");
    }

    /// <summary>A builtin given an argument of the wrong type: argument <paramref name="number"/> (from 1) of <paramref name="function"/>.</summary>
    /// <remarks>A helper, not a message built where the builtin throws: a builtin inlined into compiled code (a call that
    /// promotes it) then calls this on its error path instead of building the message there.</remarks>
    public static LuaError BadArgument(int line, int number, string function, string expected, LuaValue value) =>
        LuaError.At(line, $"bad argument #{number} to '{function}' ({expected} expected, got {value.TypeName})");

    /// <summary><c>-v</c> on a value that is not a number.</summary>
    public static LuaError Negate(int line, LuaValue value) => LuaError.At(line, $"attempt to negate a {value.TypeName} value");

    /// <summary><c>..</c> on a value that is neither a string nor a number.</summary>
    public static LuaError Concat(int line, LuaValue left, LuaValue right) =>
        LuaError.At(line, $"attempt to concatenate a {(left.ConcatText is null ? left : right).TypeName} value");

    /// <summary><c>&lt;</c> or <c>&lt;=</c> on values that cannot be compared.</summary>
    public static LuaError Compare(int line, LuaValue left, LuaValue right) =>
        LuaError.At(line, $"attempt to compare {left.TypeName} with {right.TypeName}");

    /// <summary><c>v[k]</c> on a value that is not a table.</summary>
    public static LuaError Index(int line, LuaValue value) => LuaError.At(line, $"attempt to index a {value.TypeName} value");

    /// <summary><c>#v</c> on a value that has no length.</summary>
    public static LuaError Length(int line, LuaValue value) => LuaError.At(line, $"attempt to get length of a {value.TypeName} value");

    /// <summary>A call of a value that is not a function.</summary>
    public static LuaError Call(int line, LuaValue value) => LuaError.At(line, $"attempt to call a {value.TypeName} value");

    /// <summary>A numeric <c>for</c> whose start, limit or step is not a number.</summary>
    public static LuaError For(int line, string what, LuaValue value) => LuaError.At(line, $"'for' {what} must be a number, not {value.TypeName}");
}
