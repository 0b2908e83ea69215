namespace PeJit.TestSubjects;

/// <summary>A boxed value of <see cref="ClassVm"/>: a class per kind, with virtual operations.</summary>
public abstract class BoxedValue
{
    /// <summary>this + other, of the wider kind (an int and a float give a float; anything and a string, a string).</summary>
    public abstract BoxedValue Add(BoxedValue other);

    /// <summary>The value as text.</summary>
    public abstract string Show();
}

/// <summary>An integer.</summary>
public sealed class IntValue(long value) : BoxedValue
{
    public readonly long Value = value;

    public override BoxedValue Add(BoxedValue other) => other switch
    {
        IntValue i => new IntValue(Value + i.Value),
        FloatValue f => new FloatValue(Value + f.Value),
        _ => new StringValue(Show() + other.Show()),
    };

    public override string Show() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A float.</summary>
public sealed class FloatValue(double value) : BoxedValue
{
    public readonly double Value = value;

    public override BoxedValue Add(BoxedValue other) => other switch
    {
        IntValue i => new FloatValue(Value + i.Value),
        FloatValue f => new FloatValue(Value + f.Value),
        _ => new StringValue(Show() + other.Show()),
    };

    public override string Show() => Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A string, kept to its last 24 characters so that a long loop does not grow it without end.</summary>
public sealed class StringValue(string value) : BoxedValue
{
    public readonly string Value = value.Length > 24 ? value[^24..] : value;

    public override BoxedValue Add(BoxedValue other) => new StringValue(Value + other.Show());

    public override string Show() => Value;
}

/// <summary>
/// One more kind per <see cref="Tag"/>: many classes at one site (the case budget of <c>Jit.PromoteClass</c>).
/// Adding keeps the tag and adds the other's integer, if it is one.
/// </summary>
public class TaggedValue(int tag, long value) : BoxedValue
{
    public readonly int Tag = tag;
    public readonly long Value = value;

    public override BoxedValue Add(BoxedValue other) => Make(Tag, Value + (other is IntValue i ? i.Value : 1));

    public override string Show() => $"t{Tag}:{Value}";

    /// <summary>A value of the class for <paramref name="tag"/> (0 to 11).</summary>
    public static TaggedValue Make(int tag, long value) => tag switch
    {
        0 => new Tagged0(value), 1 => new Tagged1(value), 2 => new Tagged2(value), 3 => new Tagged3(value),
        4 => new Tagged4(value), 5 => new Tagged5(value), 6 => new Tagged6(value), 7 => new Tagged7(value),
        8 => new Tagged8(value), 9 => new Tagged9(value), 10 => new Tagged10(value), _ => new Tagged11(value),
    };
}

public sealed class Tagged0(long value) : TaggedValue(0, value);
public sealed class Tagged1(long value) : TaggedValue(1, value);
public sealed class Tagged2(long value) : TaggedValue(2, value);
public sealed class Tagged3(long value) : TaggedValue(3, value);
public sealed class Tagged4(long value) : TaggedValue(4, value);
public sealed class Tagged5(long value) : TaggedValue(5, value);
public sealed class Tagged6(long value) : TaggedValue(6, value);
public sealed class Tagged7(long value) : TaggedValue(7, value);
public sealed class Tagged8(long value) : TaggedValue(8, value);
public sealed class Tagged9(long value) : TaggedValue(9, value);
public sealed class Tagged10(long value) : TaggedValue(10, value);
public sealed class Tagged11(long value) : TaggedValue(11, value);

/// <summary>
/// A register machine over boxed values (<see cref="BoxedValue"/>): its <c>Add</c> promotes the classes of
/// both operands (<c>Jit.PromoteClass</c>), so that the virtual <c>Add</c> and the type tests inside it are
/// decided while specializing. The subject of the class-guard tests: an accumulator applied to integers,
/// floats and strings in turn (after PyPy's accumulator benchmark), and a site that sees many classes.
/// </summary>
/// <remarks>Code is a flat array of instructions of four ints: opcode, a, b, c; registers hold boxed values.</remarks>
public static class ClassVm
{
    public const int Add = 0;       // r[a] = r[b].Add(r[c]), both classes promoted
    public const int Count = 1;     // r[a] = r[a] + 1, an integer, not promoted (the loop counter)
    public const int JumpLess = 2;  // if int r[a] < int r[b]: jump back to instruction c
    public const int Pick = 3;      // r[a] = r[b][int r[c] % length]: one of an array of values held in r[b]
    public const int IsNull = 4;    // r[a] = 1 if r[b] is null else 0 (r[b]'s class promoted), plus 0 as an IntValue
    public const int Halt = 5;      // return r[0]

    /// <summary>An array of values as a register's content (<see cref="Pick"/>).</summary>
    public sealed class Values(BoxedValue?[] items) : BoxedValue
    {
        public readonly BoxedValue?[] Items = items;
        public override BoxedValue Add(BoxedValue other) => this;
        public override string Show() => $"[{Items.Length}]";
    }

    [JitPortal(Greens = ["pc", "code"], Reds = ["registers"])]
    public static BoxedValue? Run(int[] code, BoxedValue?[] registers)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, registers);
            int at = pc * 4;
            int a = code[at + 1], b = code[at + 2], c = code[at + 3];
            switch (code[at])
            {
                case Add:
                {
                    var left = Jit.PromoteClass(registers[b])!;
                    var right = Jit.PromoteClass(registers[c])!;
                    registers[a] = left.Add(right);
                    pc++;
                    break;
                }
                case Count:
                    registers[a] = new IntValue(((IntValue)registers[a]!).Value + 1);
                    pc++;
                    break;
                case JumpLess:
                    if (((IntValue)registers[a]!).Value < ((IntValue)registers[b]!).Value)
                    {
                        pc = c;
                        Jit.CanEnterJit(pc, code, registers);
                    }
                    else
                    {
                        pc++;
                    }
                    break;
                case Pick:
                {
                    var items = ((Values)registers[b]!).Items;
                    registers[a] = items[(int)(((IntValue)registers[c]!).Value % items.Length)];
                    pc++;
                    break;
                }
                case IsNull:
                {
                    var value = Jit.PromoteClass(registers[b]);
                    long seen = registers[a] is IntValue counted ? counted.Value : 0;
                    registers[a] = new IntValue(seen + (value is null ? 1 : value is IntValue ? 100 : 10_000));
                    pc++;
                    break;
                }
                default:
                    return registers[0];
            }
        }
    }
}
