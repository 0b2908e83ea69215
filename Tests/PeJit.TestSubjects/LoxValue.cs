namespace PeJit.TestSubjects;

/// <summary>A tagged union as clox's <c>Value</c>: a tag, a number, getters that test and read it.</summary>
public readonly struct LoxValue
{
    public readonly LoxTag Tag;
    private readonly double number;

    private LoxValue(LoxTag tag, double number) { Tag = tag; this.number = number; }

    public static LoxValue Number(double d) => new(LoxTag.Number, d);
    public static LoxValue Bool(bool b) => new(LoxTag.Bool, b ? 1 : 0);
    public bool IsNumber => Tag == LoxTag.Number;
    public double AsNumber => number;
    public bool IsFalsey => Tag == LoxTag.Nil || (Tag == LoxTag.Bool && number == 0);
}
