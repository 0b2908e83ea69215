namespace PeJit.Examples.Lua.Values;

/// <summary>A Lua error in flight: what <c>error(v)</c> raised, or a run-time error's message (with its line). <c>pcall</c> catches it.</summary>
public sealed class LuaError : Exception
{
    /// <summary>An error whose value is the string <paramref name="message"/>.</summary>
    public LuaError(string message) : base(message) => Value = new LuaString(message);

    /// <summary>An error carrying any value (<c>error({code = 1})</c>).</summary>
    public LuaError(LuaValue value) : base(value.ToString()) => Value = value;

    /// <summary>The error value <c>pcall</c> returns.</summary>
    public LuaValue Value { get; }

    /// <summary>A run-time error at <paramref name="line"/>: "line N: message"; just the message when the line is 0 (raised by C# code called from C#).</summary>
    public static LuaError At(int line, string message) => new(line > 0 ? $"line {line}: {message}" : message);
}
