namespace PeJit.Examples.Lua.Values;

/// <summary>A Lua float (a double). Arithmetic with an integer or a float gives a float.</summary>
public sealed class LuaFloat(double value) : LuaValue
{
    /// <summary>The value.</summary>
    public readonly double Value = value;

    /// <inheritdoc/>
    public override string TypeName => "number";

    /// <inheritdoc/>
    public override LuaValue? Add(LuaValue right) => right.AsDouble is double r ? new LuaFloat(Value + r) : null;

    /// <inheritdoc/>
    public override LuaValue? Subtract(LuaValue right) => right.AsDouble is double r ? new LuaFloat(Value - r) : null;

    /// <inheritdoc/>
    public override LuaValue? Multiply(LuaValue right) => right.AsDouble is double r ? new LuaFloat(Value * r) : null;

    /// <inheritdoc/>
    public override LuaValue? Divide(LuaValue right) => right.AsDouble is double r ? new LuaFloat(Value / r) : null;

    /// <inheritdoc/>
    public override LuaValue? FloorDivide(LuaValue right) => right.AsDouble is double r ? new LuaFloat(Math.Floor(Value / r)) : null;

    /// <inheritdoc/>
    public override LuaValue? Modulo(LuaValue right) => right.AsDouble is double r ? new LuaFloat(LuaArithmetic.Modulo(Value, r)) : null;

    /// <inheritdoc/>
    public override LuaValue? Power(LuaValue right) => right.AsDouble is double r ? new LuaFloat(Math.Pow(Value, r)) : null;

    /// <inheritdoc/>
    public override LuaValue? Negate() => new LuaFloat(-Value);

    /// <inheritdoc/>
    public override bool? LessThan(LuaValue right) => right.AsDouble is double r ? Value < r : null;

    /// <inheritdoc/>
    public override bool? LessEqual(LuaValue right) => right.AsDouble is double r ? Value <= r : null;

    /// <inheritdoc/>
    public override bool RawEquals(LuaValue right) => right.AsDouble is double r && Value == r;

    /// <inheritdoc/>
    // From the value, not through ToString() on the box (LuaInteger.ConcatText says why).
    public override string? ConcatText => LuaArithmetic.FormatFloat(Value);

    /// <inheritdoc/>
    public override double? AsDouble => Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LuaFloat other && other.Value.Equals(Value);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => LuaArithmetic.FormatFloat(Value);
}
