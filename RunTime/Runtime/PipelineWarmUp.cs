using System.Reflection;
using PeJit.Backends.Cil;
using PeJit.IR;
using PeJit.IR.Semantics;
using PeJit.IR.Text;

namespace PeJit.Runtime;

/// <summary>
/// Pays the first times of the optimizer and the CIL backend on a second thread while the first portal of the process is
/// prepared and its first unit specialized (issue 12: from hot to the first compiled instruction running).
/// </summary>
/// <remarks>
/// <para>
/// Most of what the first unit costs is not its work but .NET making PeJit's code runnable: loading the types the passes
/// and the backend use, binding their precompiled methods, running class initializers (Docs/PERFORMANCE.md, "Warm-up").
/// A warm unit of the same size costs a fraction of it. Those first times do not depend on the unit, so a small unit of
/// the shape every unit has (the state read from the state array, an array element loaded and stored in a loop nest, an
/// exit that boxes the state into the exit array) compiled on another thread pays most of them before the compiling
/// thread needs them: the optimizer runs every pass on it, the CIL backend emits it and .NET compiles and runs it once.
/// The compiling thread then finds the types loaded and the methods bound, or waits for the one the warm-up is loading.
/// </para>
/// <para>
/// Started once per process, when the first portal is prepared (JIT-enabled assemblies only: <see cref="JitRuntime"/>),
/// so a process whose loops never get hot, or that runs with <c>PEJIT_DISABLE=1</c>, never pays it. It only makes sense
/// with a second core: not started on one, nor with <c>PEJIT_WARMUP=0</c>. It shares nothing with the units (its own
/// graph, resolver and backend), and anything it throws is dropped: it can make the first unit come sooner, never
/// change it.
/// </para>
/// </remarks>
internal static class PipelineWarmUp
{
    private static int started;

    /// <summary>Whether the warm-up may run in this process (a second core, not turned off).</summary>
    public static bool Enabled => Environment.ProcessorCount > 1 && Environment.GetEnvironmentVariable("PEJIT_WARMUP") != "0";

    /// <summary>
    /// Starts the warm-up on a background thread, the first time only. <paramref name="owner"/>: the module the units'
    /// dynamic methods will belong to; <paramref name="cil"/>: whether the units go to the CIL backend (else only the
    /// optimizer is warmed).
    /// </summary>
    public static void Start(Module owner, bool cil)
    {
        if (!Enabled || Interlocked.Exchange(ref started, 1) != 0) return;
        try
        {
            new Thread(() => Run(owner, cil)) { IsBackground = true, Name = "pejit warm-up" }.Start();
        }
        catch (Exception)
        {
            // No thread, no warm-up: the first unit pays its first times itself, as before.
        }
    }

    /// <summary>
    /// The warm-up's work, on the calling thread; returns the exit's second entry (the loop's final index, 2) for tests,
    /// or null when something threw (or <paramref name="cil"/> is false).
    /// </summary>
    internal static object? Run(Module owner, bool cil)
    {
        try
        {
            var graph = IrParser.Parse(Unit);
            PeJit.Optimizer.Pipeline.Run(graph, Environment.GetEnvironmentVariable("PEJIT_OPT"));
            if (!cil) return null;
            var code = new CilBackend(new Resolver()).Compile(graph, owner, "pejit_warm_up");
            var exit = new object?[3];
            code.Run([], exit, [new int[] { 3, 0, 0, 0 }, 0]);
            return exit[1];
        }
        catch (Exception)
        {
            // A warm-up that fails warmed less; the units do not depend on it.
            return null;
        }
    }

    /// <summary>The types of <see cref="Unit"/>: primitives, objects and two array types.</summary>
    private sealed class Resolver : IMemberResolver
    {
        public Type ResolveType(IrType type) => PrimitiveTypes.Of(type.Kind) ?? type.Name switch
        {
            "System.Object[]" => typeof(object[]),
            "System.Int32[]" => typeof(int[]),
            _ => throw new InvalidOperationException($"the warm-up unit has no type {type.Name}"),
        };

        public MethodBase ResolveMethod(MethodRef method) => throw new InvalidOperationException("the warm-up unit calls nothing");

        public FieldInfo ResolveField(FieldRef field) => throw new InvalidOperationException("the warm-up unit loads no field");
    }

    /// <summary>
    /// A unit as the engine makes them (constants, exit and state arrays; the state unboxed; a loop nest over an array's
    /// elements, with the back edges' moves; an exit that boxes the state into the exit array and returns null), small.
    /// Run on the state <c>[{3, 0, 0, 0}, 0]</c> it moves the first element's 3 into the second and leaves with the index 2.
    /// </summary>
    private const string Unit = """
        function "pejit warm-up" -> object {
        block0(v0 (constants): class "System.Object[]", v1 (exit): class "System.Object[]", v2 (state): class "System.Object[]"):
            v3: i32 = const 0
            v4: object = ldelem object v2, v3
            v5: class "System.Int32[]" = castclass class "System.Int32[]" v4
            v6: i32 = const 1
            v7: object = ldelem object v2, v6
            v8: i32 = unbox.any i32 v7
            jump block1(v8)
        block1(v11: i32):
            v12: i32 = ldelem i32 v5, v11
            brif v12, block2, block6
        block2:
            jump block3(v11, v12)
        block3(v13: i32, v14: i32):
            v15: i32 = const 1
            v16: i32 = add v13, v15
            v17: i32 = ldelem i32 v5, v16
            v18: i32 = const -1
            v19: i32 = add v17, v15
            stelem i32 v5, v16, v19
            v20: i32 = ldelem i32 v5, v13
            v21: i32 = add v20, v18
            stelem i32 v5, v13, v21
            v22: i32 = add v14, v18
            brif v21, block4, block5
        block4:
            jump block3(v13, v22)
        block5:
            v23: i32 = const 2
            v24: i32 = add v13, v23
            jump block1(v24)
        block6:
            v25: object = box i32 v3
            stelem object v1, v3, v25
            v26: object = box i32 v11
            stelem object v1, v6, v26
            v27: i32 = const 2
            stelem object v1, v27, v5
            v28: object = null
            ret v28
        }
        """;
}
