namespace PeJit.Examples.Lua.Values;

/// <summary>
/// A Lua value, boxed: one subclass per type. Arithmetic and comparison dispatch on the left operand's class
/// (a virtual call) and then test the right one's; each returns null when the operands do not support the
/// operation, and the interpreter turns that into an error with the line of the failing instruction.
/// </summary>
public abstract class LuaValue
{
    /// <summary>The name <c>type(v)</c> returns.</summary>
    public abstract string TypeName { get; }

    /// <summary><c>this + right</c>, or null.</summary>
    public virtual LuaValue? Add(LuaValue right) => null;

    /// <summary><c>this - right</c>, or null.</summary>
    public virtual LuaValue? Subtract(LuaValue right) => null;

    /// <summary><c>this * right</c>, or null.</summary>
    public virtual LuaValue? Multiply(LuaValue right) => null;

    /// <summary><c>this / right</c> (always a float), or null.</summary>
    public virtual LuaValue? Divide(LuaValue right) => null;

    /// <summary><c>this // right</c>, or null (also for an integer division by zero).</summary>
    public virtual LuaValue? FloorDivide(LuaValue right) => null;

    /// <summary><c>this % right</c>, or null (also for an integer modulo by zero).</summary>
    public virtual LuaValue? Modulo(LuaValue right) => null;

    /// <summary><c>this ^ right</c> (always a float), or null.</summary>
    public virtual LuaValue? Power(LuaValue right) => null;

    /// <summary><c>-this</c>, or null.</summary>
    public virtual LuaValue? Negate() => null;

    /// <summary><c>this &lt; right</c>, or null when the two cannot be compared.</summary>
    public virtual bool? LessThan(LuaValue right) => null;

    /// <summary><c>this &lt;= right</c>, or null when the two cannot be compared.</summary>
    public virtual bool? LessEqual(LuaValue right) => null;

    /// <summary><c>this == right</c> (numbers by value, strings by content, the rest by identity).</summary>
    public virtual bool RawEquals(LuaValue right) => ReferenceEquals(this, right);

    /// <summary>What <c>..</c> makes of the value (strings and numbers), or null.</summary>
    public virtual string? ConcatText => null;

    /// <summary><c>#this</c>, or null.</summary>
    public virtual LuaValue? Length() => null;

    /// <summary>The value as a number (<see cref="LuaInteger"/> or <see cref="LuaFloat"/> as a double), or null.</summary>
    public virtual double? AsDouble => null;

    /// <summary>What <c>tostring</c> and <c>print</c> show.</summary>
    public abstract override string ToString();

    /// <summary>False for nil and false, true for every other value.</summary>
    public bool IsTruthy => !(ReferenceEquals(this, LuaNil.Instance) || ReferenceEquals(this, LuaBoolean.False));
}
