using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.Frontend.Construction;
using PeJit.IR;

namespace PeJit.Tests.Frontend.Construction;

/// <summary>
/// The rule for a base-library collection's lookup (<see cref="KnownPureCalls"/>, <see cref="KeyComparisons"/>): pure when
/// its keys compare with the framework's code (int, string, enum, a class that overrides neither Equals nor GetHashCode),
/// reads only when the key class's overrides read only, an ordinary call when they write; a list's indexer compares
/// nothing and is pure whatever its element. Checked on the calls <see cref="LookupSamples"/>' IL makes, as the frontend
/// sees them (<c>MethodRef.From</c>).
/// </summary>
[TestClass]
public sealed class KnownPureCallsTests
{
    private static readonly Lazy<TypeDefinition> Samples = new(() =>
        ModuleDefinition.ReadModule(typeof(LookupSamples).Assembly.Location).GetType(typeof(LookupSamples).FullName!));

    // The collection call the sample makes (the only call into System.Collections.Generic), as MethodRef.From makes it.
    private static MethodRef Lookup(string sample)
    {
        var call = Samples.Value.Methods.Single(m => m.Name == sample).Body.Instructions
            .Single(i => i.OpCode.Code is Code.Call or Code.Callvirt && i.Operand is MethodReference m
                && m.DeclaringType.Namespace == "System.Collections.Generic");
        return MethodRef.From((MethodReference)call.Operand);
    }

    [TestMethod]
    [DataRow(nameof(LookupSamples.ByInt))]
    [DataRow(nameof(LookupSamples.ByString))]
    [DataRow(nameof(LookupSamples.ByEnum))]
    [DataRow(nameof(LookupSamples.ContainsByInt))]
    [DataRow(nameof(LookupSamples.ByReference))]
    [DataRow(nameof(LookupSamples.ListOfWritingKeys))]
    public void FrameworkComparisonsArePure(string sample)
    {
        var method = Lookup(sample);
        Assert.IsTrue(method.IsPure, method.ToString());
        Assert.IsTrue(method.ReadsOnly, method.ToString());
    }

    [TestMethod]
    [DataRow(nameof(LookupSamples.ByReadingKey))]
    [DataRow(nameof(LookupSamples.ContainsByReadingKey))]
    public void OverridesThatReadOnlyReadOnly(string sample)
    {
        var method = Lookup(sample);
        Assert.IsFalse(method.IsPure, method.ToString());
        Assert.IsTrue(method.ReadsOnly, method.ToString());
        var key = CollectionMethods.ComparedType(method.Cecil!)!;
        Assert.AreEqual(typeof(ReadingKey).FullName, key.FullName);
        Assert.AreEqual(KeyComparison.ReadsOnly, KeyComparisons.Of(key, method.Cecil!.Module));
    }

    [TestMethod]
    [DataRow(nameof(LookupSamples.ByWritingKey))]
    [DataRow(nameof(LookupSamples.ContainsByWritingKey))]
    [DataRow(nameof(LookupSamples.ByDerivedWritingKey))]
    [DataRow(nameof(LookupSamples.ByStruct))]
    public void OverridesThatWriteAreOrdinaryCalls(string sample)
    {
        var method = Lookup(sample);
        Assert.IsFalse(method.IsPure, method.ToString());
        Assert.IsFalse(method.ReadsOnly, method.ToString());
    }

    [TestMethod]
    public void TheNameTableAloneDoesNotCallADictionaryLookupPure()
    {
        // What the optimizer could ask without type arguments: no.
        Assert.IsFalse(PeJit.IR.Semantics.KnownPureMethods.Contains("System.Collections.Generic.Dictionary`2", "get_Item", isStatic: false));
        Assert.IsFalse(PeJit.IR.Semantics.KnownPureMethods.Contains("System.Collections.Generic.List`1", "get_Item", isStatic: false),
            "collections are decided with their type arguments (CollectionMethods), not by name");
    }
}

/// <summary>Lookups for <see cref="KnownPureCallsTests"/>.</summary>
public class LookupSamples
{
    private readonly Dictionary<int, long> ints = [];
    private readonly Dictionary<string, long> strings = [];
    private readonly Dictionary<DayOfWeek, long> days = [];
    private readonly Dictionary<PlainKey, long> plain = [];
    private readonly Dictionary<ReadingKey, long> reading = [];
    private readonly Dictionary<WritingKey, long> writing = [];
    private readonly Dictionary<BaseKey, long> derived = [];
    private readonly Dictionary<StructKey, long> structs = [];
    private readonly List<WritingKey> list = [];

    public long ByInt(int key) => ints[key];

    public long ByString(string key) => strings[key];

    public long ByEnum(DayOfWeek key) => days[key];

    public bool ContainsByInt(int key) => ints.ContainsKey(key);

    public long ByReference(PlainKey key) => plain[key];

    public WritingKey ListOfWritingKeys(int i) => list[i];

    public long ByReadingKey(ReadingKey key) => reading[key];

    public bool ContainsByReadingKey(ReadingKey key) => reading.ContainsKey(key);

    public long ByWritingKey(WritingKey key) => writing[key];

    public bool ContainsByWritingKey(WritingKey key) => writing.ContainsKey(key);

    public long ByDerivedWritingKey(BaseKey key) => derived[key];

    public long ByStruct(StructKey key) => structs[key];
}

/// <summary>A key that overrides neither Equals nor GetHashCode: compared by reference, by the framework.</summary>
public sealed class PlainKey
{
    public int Value;
}

/// <summary>A key class that overrides nothing, but a class deriving from it hashes with a write.</summary>
public class BaseKey;

/// <summary>See <see cref="BaseKey"/>.</summary>
public sealed class CountingDerivedKey : BaseKey
{
    private int hashes;

    public override int GetHashCode() => hashes++;

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);
}

/// <summary>A struct key: the framework may compare it by reflection.</summary>
public readonly record struct StructKey(int Value);
