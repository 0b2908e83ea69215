namespace PeJit.Examples.Lua.Values;

/// <summary>A Lua integer: 64 bits, wrapping on overflow. With another integer <c>+ - * // %</c> give an integer; with a float, a float.</summary>
public sealed class LuaInteger(long value) : LuaValue
{
    /// <summary>The value.</summary>
    public readonly long Value = value;

    /// <inheritdoc/>
    public override string TypeName => "number";

    /// <inheritdoc/>
    public override LuaValue? Add(LuaValue right) => right switch
    {
        LuaInteger r => new LuaInteger(unchecked(Value + r.Value)),
        LuaFloat r => new LuaFloat(Value + r.Value),
        _ => null,
    };

    /// <inheritdoc/>
    public override LuaValue? Subtract(LuaValue right) => right switch
    {
        LuaInteger r => new LuaInteger(unchecked(Value - r.Value)),
        LuaFloat r => new LuaFloat(Value - r.Value),
        _ => null,
    };

    /// <inheritdoc/>
    public override LuaValue? Multiply(LuaValue right) => right switch
    {
        LuaInteger r => new LuaInteger(unchecked(Value * r.Value)),
        LuaFloat r => new LuaFloat(Value * r.Value),
        _ => null,
    };

    /// <inheritdoc/>
    public override LuaValue? Divide(LuaValue right) => right.AsDouble is double r ? new LuaFloat(Value / r) : null;

    /// <inheritdoc/>
    public override LuaValue? FloorDivide(LuaValue right) => right switch
    {
        LuaInteger r => r.Value == 0 ? null : new LuaInteger(LuaArithmetic.FloorDivide(Value, r.Value)),
        LuaFloat r => new LuaFloat(Math.Floor(Value / r.Value)),
        _ => null,
    };

    /// <inheritdoc/>
    public override LuaValue? Modulo(LuaValue right) => right switch
    {
        LuaInteger r => r.Value == 0 ? null : new LuaInteger(LuaArithmetic.Modulo(Value, r.Value)),
        LuaFloat r => new LuaFloat(LuaArithmetic.Modulo(Value, r.Value)),
        _ => null,
    };

    /// <inheritdoc/>
    public override LuaValue? Power(LuaValue right) => right.AsDouble is double r ? new LuaFloat(Math.Pow(Value, r)) : null;

    /// <inheritdoc/>
    public override LuaValue? Negate() => new LuaInteger(unchecked(-Value));

    /// <inheritdoc/>
    public override bool? LessThan(LuaValue right) => right switch
    {
        LuaInteger r => Value < r.Value,
        LuaFloat r => Value < r.Value,
        _ => null,
    };

    /// <inheritdoc/>
    public override bool? LessEqual(LuaValue right) => right switch
    {
        LuaInteger r => Value <= r.Value,
        LuaFloat r => Value <= r.Value,
        _ => null,
    };

    /// <inheritdoc/>
    public override bool RawEquals(LuaValue right) => right switch
    {
        LuaInteger r => Value == r.Value,
        LuaFloat r => Value == r.Value,
        _ => false,
    };

    /// <inheritdoc/>
    // The number's text from its value, not through ToString() on the box: a concatenation in compiled code then reads the
    // box's field and calls this, and a box made only to be concatenated (`s .. (i % 10)`) is not allocated.
    public override string? ConcatText => Text(Value);

    /// <inheritdoc/>
    public override double? AsDouble => Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LuaInteger other && other.Value == Value;

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => Text(Value);

    private static string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
