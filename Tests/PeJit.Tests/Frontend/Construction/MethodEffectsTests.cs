using Mono.Cecil;
using PeJit.Frontend.Construction;
using PeJit.IR;

namespace PeJit.Tests.Frontend.Construction;

/// <summary>
/// <see cref="MethodEffects"/>: which methods write no memory a unit can read (<see cref="MethodRef.ReadsOnly"/>), on small
/// methods of <see cref="EffectSamples"/>: a store into a field or an element is a write; reading fields, elements, a
/// dictionary keyed by a number, through a helper, is not; an overridable virtual call is a write unless every override in
/// the module reads only; the first write is named with its IL offset.
/// </summary>
[TestClass]
public sealed class MethodEffectsTests
{
    private static readonly Lazy<TypeDefinition> Samples = new(() =>
        ModuleDefinition.ReadModule(typeof(EffectSamples).Assembly.Location).GetType(typeof(EffectSamples).FullName!));

    private static MethodDefinition Method(string name) => Samples.Value.Methods.Single(m => m.Name == name);

    [TestMethod]
    [DataRow(nameof(EffectSamples.ReadsAField))]
    [DataRow(nameof(EffectSamples.ReadsAnElement))]
    [DataRow(nameof(EffectSamples.LooksUpANumber))]
    [DataRow(nameof(EffectSamples.CallsAReader))]
    [DataRow(nameof(EffectSamples.ComparesKeysThatOnlyRead))]
    [DataRow(nameof(EffectSamples.CallsAVirtualReader))]
    [DataRow(nameof(EffectSamples.ReadsANullable))]
    [DataRow(nameof(EffectSamples.FormatsANumber))]
    [DataRow(nameof(EffectSamples.ConcatenatesAChar))]
    [DataRow(nameof(EffectSamples.ReturnsNoNumber))]
    public void ReadersAreReadOnly(string name)
    {
        Assert.IsNull(MethodEffects.FirstWrite(Method(name)), name);
        Assert.IsTrue(MethodRef.From(Method(name)).ReadsOnly, "MethodRef.From carries it");
    }

    [TestMethod]
    [DataRow(nameof(EffectSamples.WritesAField), "a store into a field")]
    [DataRow(nameof(EffectSamples.WritesAnElement), "a store into an element")]
    [DataRow(nameof(EffectSamples.WritesAStatic), "a store into a static")]
    [DataRow(nameof(EffectSamples.CallsAWriter), "a store into a field")]
    [DataRow(nameof(EffectSamples.CallsAnUnknownVirtual), "a virtual call any override may take")]
    [DataRow(nameof(EffectSamples.CallsAVirtualWriter), "a store into a field")]
    [DataRow(nameof(EffectSamples.ComparesKeysThatWrite), "a store into a field")]
    [DataRow(nameof(EffectSamples.FillsAList), "a base-library method not known to read only")]
    [DataRow(nameof(EffectSamples.Recurses), "a recursive call")]
    [DataRow(nameof(EffectSamples.WritesThroughAnAddress), "a store through an address")]
    public void WritersAreBarriers(string name, string what)
    {
        var write = MethodEffects.FirstWrite(Method(name));
        Assert.IsNotNull(write, name);
        Assert.StartsWith(what, write.What, write.ToString());
        Assert.IsFalse(MethodRef.From(Method(name)).ReadsOnly);
    }

    [TestMethod]
    public void TheFirstWriteIsNamedWithItsOffset()
    {
        // CallsAWriter reads, then calls WritesAField: the write named is the callee's stfld, at its offset.
        var write = MethodEffects.FirstWrite(Method(nameof(EffectSamples.CallsAWriter)))!;
        Assert.Contains("WritesAField", write.Method);
        var store = Method(nameof(EffectSamples.WritesAField)).Body.Instructions.First(i => i.OpCode.Code == Mono.Cecil.Cil.Code.Stfld);
        Assert.AreEqual(store.Offset, write.Offset);
    }

    [TestMethod]
    public void TheIrTextCarriesIt()
    {
        var method = MethodRef.From(Method(nameof(EffectSamples.ReadsAField)));
        Assert.StartsWith("reads ", method.ToString());
    }

    [TestMethod]
    public void LuaTablesSlowLookupsReadOnly()
    {
        // The [DontLookInside] slow paths of a Lua table's t[k] (issue 15): an array element, Dictionary<long, LuaValue>,
        // the shape's Dictionary<LuaString, int> and Dictionary<LuaValue, LuaValue>, whose keys' Equals and GetHashCode read
        // only. Set's slow paths write.
        var table = ModuleDefinition.ReadModule(typeof(PeJit.Examples.Lua.Values.LuaTable).Assembly.Location)
            .GetType(typeof(PeJit.Examples.Lua.Values.LuaTable).FullName!);
        foreach (var name in new[] { "GetInteger", "GetOther" })
            Assert.IsNull(MethodEffects.FirstWrite(table.Methods.Single(m => m.Name == name)), $"{name}: {MethodEffects.FirstWrite(table.Methods.Single(m => m.Name == name))}");
        Assert.IsNotNull(MethodEffects.FirstWrite(table.Methods.Single(m => m.Name == "SetOther")));
    }
}

/// <summary>Small methods for <see cref="MethodEffectsTests"/>.</summary>
public class EffectSamples
{
    private int field;
    private readonly int[] elements = [1, 2, 3];
    private readonly Dictionary<long, string> numbers = new() { [1] = "one" };
    private readonly Dictionary<ReadingKey, int> readingKeys = [];
    private readonly Dictionary<WritingKey, int> writingKeys = [];
    private readonly List<int> list = [];
    private static int counter;

    public int ReadsAField() => field;

    public int ReadsAnElement(int i) => elements[i];

    public string LooksUpANumber(long key) => numbers.TryGetValue(key, out var value) ? value : "";

    public int CallsAReader() => ReadsAField() + ReadsAnElement(0);

    public bool ComparesKeysThatOnlyRead(ReadingKey key) => readingKeys.ContainsKey(key);

    public int CallsAVirtualReader(Shape shape) => shape.Area();

    public void WritesAField(int value) => field = value;

    public void WritesAnElement(int value) => elements[0] = value;

    public void WritesAStatic() => counter++;

    public int CallsAWriter()
    {
        int before = field;
        WritesAField(before + 1);
        return before;
    }

    public string CallsAnUnknownVirtual(object value) => value.ToString()!;

    public int CallsAVirtualWriter(Counter counter) => counter.Next();

    public bool ComparesKeysThatWrite(WritingKey key) => writingKeys.ContainsKey(key);

    public void FillsAList() => list.Add(1);

    public int Recurses(int n) => n <= 0 ? field : Recurses(n - 1);

    public double ReadsANullable(double? value) => value.HasValue ? value.Value : value.GetValueOrDefault();

    public string FormatsANumber(long value) => double.IsNaN(value) ? "nan" : value.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4);

    public string ConcatenatesAChar(string text, char c) => text + c + "!";

    public void WritesThroughAnAddress(ref int target) => target = field;

    // C#'s `null` as a double?: ldloca, initobj of a local of its own.
    public double? ReturnsNoNumber() => null;
}

/// <summary>A class whose overrides all read only.</summary>
public abstract class Shape
{
    public abstract int Area();
}

public sealed class Square(int side) : Shape
{
    public override int Area() => side * side;
}

/// <summary>A class one of whose overrides writes.</summary>
public abstract class Counter
{
    public abstract int Next();
}

public sealed class StepCounter : Counter
{
    private int count;

    public override int Next() => ++count;
}

/// <summary>A key whose comparison reads only.</summary>
public sealed class ReadingKey(int value)
{
    private readonly int value = value;

    public override bool Equals(object? obj) => obj is ReadingKey other && other.value == value;

    public override int GetHashCode() => value;
}

/// <summary>A key whose hash counts its calls (a write).</summary>
public sealed class WritingKey
{
    private int hashes;

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => hashes++;
}
