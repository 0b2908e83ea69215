namespace PeJit.Examples.Lua.Values;

/// <summary>
/// A local variable captured by a closure. The compiler knows which locals are captured (the parser marks
/// them), so such a local lives in a cell from its declaration on, and every closure made over it shares the cell.
/// </summary>
public sealed class Upvalue
{
    /// <summary>The variable's current value.</summary>
    public LuaValue Value = LuaNil.Instance;
}
