using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.Runtime;
using Lua = PeJit.Examples.Lua;

namespace PeJit.Tests.Examples;

/// <summary>
/// Lua tables keep their string keys in shapes (<see cref="Lua.Values.TableShape"/>, PyPy's maps): <c>t.name</c> compiles to
/// <c>GetField</c>/<c>SetField</c>, whose key is a constant and whose table's shape the interpreter promotes, so a compiled
/// field access is a guard on the shape and an array access, where it was a call of the table's hash lookup (a Dictionary,
/// string hashing, a virtual Equals: 40% of nbody's compiled run). And a unit whose virtualized frame carries so many
/// registers into its exits that its CIL is past what .NET optimizes is specialized again with the frame in memory
/// (nbody's loop: 146,217 IL bytes, unoptimized, against 15,585). Every run prints what the plain interpreter prints.
/// </summary>
[TestClass]
public sealed class LuaTableShapeTests
{
    private const long Size = 1000;

    private static readonly Lazy<(PortalJit Jit, string Log)> Nbody =
        new(() => LuaJitRuns.Run("nbody", Size, runs: 3, settings: w => new JitSettings { Log = w, Threshold = 20 }));

    [TestMethod]
    public void NbodysLoopsReadAndWriteFieldsWithoutTheHashLookup()
    {
        var units = Nbody.Value.Jit.Units;
        Assert.IsNotEmpty(units, "nbody's loops compile");
        foreach (var unit in units)
        {
            var graph = unit.Unit.Residual;
            var loops = NaturalLoop.Find(graph, Dominators.Compute(graph)).SelectMany(l => l.Blocks).Distinct();
            var lookups = loops.SelectMany(b => graph[b].Instructions)
                .Where(i => i.Method?.FullName is { } name && (name.Contains("LuaTable::GetOther", StringComparison.Ordinal) || name.Contains("LuaTable::SetOther", StringComparison.Ordinal)))
                .Select(i => i.ToString()).ToList();
            // Before: one call per field read or write, 19 in advance's two loops. Left: `bodies[i]` and `bodies[j]` (GetTable with
            // an integer in a register), each with the hash part's call on its path for a key that is not an integer.
            Assert.IsLessThanOrEqualTo(2, lookups.Count, $"unit at {unit.Unit.Entry} looks fields up in the hash part inside its loops: {lookups.Count} calls");
        }
    }

    [TestMethod]
    public void AUnitPastTheOptimizedILSizeIsSpecializedAgainWithItsFrameInMemory()
    {
        // nbody's loop with its registers in SSA values is past what .NET optimizes (every exit boxes the live floats: with
        // the exits outlined, still 2,431 blocks and 10,854 local references); the runtime keeps the version with the
        // registers in memory, which .NET optimizes.
        StringAssert.Contains(Nbody.Value.Log, "its frame kept in memory, not in SSA values");
        foreach (var unit in Nbody.Value.Jit.Units)
            Assert.IsNull(((CilCompiledCode)unit.Code).Unoptimized, $"unit at {unit.Unit.Entry}: {Nbody.Value.Log}");
    }

    [TestMethod]
    public void FieldsBehaveAsHashedKeysJitEnabled()
    {
        // Nil stores (absent keys), keys added back, the same key written t.x, t["x"] and through a computed string,
        // tables of one shape and of others at one site, and a table past TableShape.MaxFields string keys (hash part).
        const string source = """
            local function make(i)
              local t = { x = i, y = i * 2 }
              if i % 3 == 0 then t.z = i end
              if i % 5 == 0 then t.x = nil end
              return t
            end
            local sum, absent = 0, 0
            for i = 1, 300 do
              local t = make(i)
              local k = "y"
              t[k .. ""] = t.y + 1
              if t.x == nil then absent = absent + 1; t.x = 0 end
              sum = sum + t.x + t["y"] + (t.z or 0)
              local big = {}
              for j = 1, 40 do big["k" .. j] = j end
              big.k3 = nil
              sum = sum + big.k40 + (big.k3 or 100) + (big["k" .. (i % 40 + 1)] or 0)
            end
            print(sum, absent)
            """;
        var plain = new StringWriter();
        Lua.Runner.Run(source, plain, null);
        Assert.IsFalse(string.IsNullOrWhiteSpace(plain.ToString()), "the program prints its sums");
        var jit = PortalJit.Create(Lua.Runner.Portal, new JitSettings { Threshold = 3, Strict = true });
        for (int run = 0; run < 3; run++)
        {
            var output = new StringWriter();
            jit.Invoke(Lua.Runner.PortalArguments(source, output, null));
            Assert.AreEqual(plain.ToString(), output.ToString(), $"run {run} JIT-enabled printed something else");
        }
        Assert.IsNotEmpty(jit.Units, "the loop compiles");
    }
}
