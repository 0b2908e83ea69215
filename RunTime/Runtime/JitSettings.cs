using System.Globalization;
using PeJit.Optimizer;
using PeJit.Specializer.Engine;

namespace PeJit.Runtime;

/// <summary>When to compile, how much, and how much compiled code to keep. Each has an environment variable.</summary>
public sealed record JitSettings
{
    /// <summary>
    /// Times a green key is seen at <c>Jit.CanEnterJit</c> before it is compiled (default 1000; <c>PEJIT_THRESHOLD</c>).
    /// 1 compiles a key the first time it is seen; 0 or less is not a threshold.
    /// </summary>
    public int Threshold { get; init; } = (int?)EnvironmentThreshold.Value ?? DefaultThreshold;

    private const int DefaultThreshold = 1000;

    /// <summary>
    /// Times the unit at one green key may be specialized again (with a case for a value newly seen at a
    /// <c>Jit.Promote</c>, or after the code cache dropped it); past it, values without a case go on leaving to
    /// the interpreter, and a key dropped again is left to the interpreter (logged). Bounds compile time for a
    /// program whose promoted values keep changing, and for one whose hot code does not fit <see cref="CacheLimit"/>.
    /// </summary>
    public int MaxRecompilesPerUnit { get; init; } = 16;

    /// <summary>
    /// IL bytes past which a CIL unit is final: .NET compiles a method larger than
    /// <see cref="PeJit.Backends.Cil.CilCompiledCode.OptimizedILLimit"/> without optimizations, and specializing such a unit again
    /// with more cases (or a tail) would only make it larger and cost as much again each time. A final unit keeps running;
    /// what it has no case for leaves it and the interpreter finishes the step (logged). Lower it only to test that.
    /// </summary>
    public int FinalUnitILBytes { get; init; } = PeJit.Backends.Cil.CilCompiledCode.OptimizedILLimit;

    /// <summary>The budgets of specialization.</summary>
    public SpecializationSettings Specialization { get; init; } = SpecializationSettings.Default;

    /// <summary>
    /// The optimization passes to run on residual graphs, colon-separated (<c>merge:fold:cse:forward:guards:dce</c>);
    /// null for all, "" for none. <c>PEJIT_OPT</c> sets it from the environment.
    /// </summary>
    public string? Optimizations { get; init; } = Environment.GetEnvironmentVariable("PEJIT_OPT");

    /// <summary>
    /// Residual instructions the code cache of one portal may hold (default 1,000,000; <c>PEJIT_CACHE_LIMIT</c>).
    /// Past it the least recently entered units are dropped; their code is collected and recompiled if hot again.
    /// </summary>
    public long CacheLimit { get; init; } = EnvironmentCacheLimit.Value ?? 1_000_000;

    /// <summary>
    /// Compile hot keys on PeJit's background thread (lower OS priority) while the interpreter goes on, instead of in the thread that
    /// made them hot. The unit is entered at the first <c>Jit.CanEnterJit</c> of its key after it is ready. Off
    /// for a <c>PortalJit</c> made in process unless set here; JIT-enabled assemblies turn it on unless
    /// <c>PEJIT_BACKGROUND=0</c>: measured on two cores, short programs no longer pay for PeJit's warm-up, and
    /// long ones enter their units later, still well ahead of the plain interpreter (Docs/PERFORMANCE.md).
    /// </summary>
    public bool BackgroundCompilation { get; init; }

    /// <summary>
    /// The residual graphs and extension programs to write to files (<c>PEJIT_DUMP</c>, <c>PEJIT_DUMP_DIR</c>;
    /// see <see cref="DumpSettings"/>); null for none.
    /// </summary>
    public DumpSettings? Dump { get; init; } = DumpSettings.FromEnvironment();

    /// <summary>
    /// Run the IR verifier on each unit's residual graph as the engine emitted it and after every optimizer pass
    /// (the last one's graph is what the backend gets), and throw a <see cref="PeJit.Optimizer.MalformedGraphException"/>
    /// naming the stage at the first graph it rejects (<c>PEJIT_VERIFY=1</c>; on in every test; strict mode verifies
    /// too). Off by default: it costs more than the passes.
    /// </summary>
    public bool Verify { get; init; } = Environment.GetEnvironmentVariable("PEJIT_VERIFY") == "1";

    /// <summary>
    /// Strict mode (default off; <c>PEJIT_STRICT=1</c>; on in every test): an internal failure to specialize,
    /// optimize or compile a unit (an exception other than a deliberate refusal, or a verifier error, the
    /// verifier then running after every optimization pass) is thrown out of the call that made the unit hot,
    /// instead of being logged while the interpreter goes on. Deliberate refusals (a budget hit reported as a
    /// <c>SpecializationException</c>, a construct a backend cannot express reported as a
    /// <c>BackendException</c>) stay log lines either way.
    /// </summary>
    public bool Strict { get; init; } = Environment.GetEnvironmentVariable("PEJIT_STRICT") == "1";

    /// <summary>
    /// Passes run after those of <see cref="Pipeline.Passes"/> (and after <see cref="Optimizations"/> selected
    /// them): to try a new pass on real units before it joins the pipeline, and for the tests that inject a
    /// faulty pass to show that strict mode and the differential tests catch it. Empty by default.
    /// </summary>
    public IReadOnlyList<Pass> AdditionalPasses { get; init; } = [];

    /// <summary>
    /// Whether a key counted at the portal's entry (a function of the interpreted program) is compiled as a whole
    /// function, so that loop-free recursion gets units that call each other through call cells (default on;
    /// <c>PEJIT_COMPILE_FUNCTIONS=0</c> turns it off). When and how often is <see cref="FunctionCompilationPolicy"/>'s: by
    /// default only while no loop of the program got hot, past ten times the loop threshold's entries of the key; set here
    /// or by <c>PEJIT_COMPILE_FUNCTIONS=1</c>, whether loops are hot or not, past the loop threshold (unless
    /// <see cref="FunctionThreshold"/> is set too). Off, entry visits still enter a unit the key already has, and a portal
    /// without <c>Jit.CanEnterJit</c> (its entry is its only site) compiles its functions all the same.
    /// </summary>
    public bool CompileFunctions
    {
        get => compileFunctions ?? CompileFunctionsByEnvironment ?? true;
        init => compileFunctions = value;
    }

    private readonly bool? compileFunctions;

    /// <summary>
    /// <see cref="CompileFunctions"/> as set in code; null when not (then <c>PEJIT_COMPILE_FUNCTIONS</c>, or the default:
    /// <see cref="FunctionCompilationPolicy"/>).
    /// </summary>
    internal bool? CompileFunctionsSetInCode => compileFunctions;

    /// <summary>
    /// How many times a function's key must be entered (with <see cref="CompileFunctions"/>) before its unit is compiled,
    /// set in code or by <c>PEJIT_FUNCTION_THRESHOLD</c>; null (the default) leaves it to
    /// <see cref="FunctionCompilationPolicy"/> (<see cref="FunctionCompilationPolicy.ThresholdFor"/>: the loop threshold times
    /// <see cref="FunctionCompilationPolicy.DefaultScale"/>, or the loop threshold when functions were asked for). A portal
    /// without <c>Jit.CanEnterJit</c> (its entry is its only site) counts with <see cref="Threshold"/> whatever this says.
    /// </summary>
    public int? FunctionThreshold
    {
        get => functionThreshold;
        init => functionThreshold = value;
    }

    private readonly int? functionThreshold = EnvironmentFunctionThresholdValue;

    /// <summary><c>PEJIT_FUNCTION_THRESHOLD</c>, when it holds a valid number.</summary>
    internal static int? EnvironmentFunctionThresholdValue => (int?)EnvironmentFunctionThreshold.Value;

    /// <summary><c>PEJIT_COMPILE_FUNCTIONS</c>: 1 on, 0 off, what <see cref="CompileFunctions"/> is unless set in code; null unset.</summary>
    internal static bool? CompileFunctionsByEnvironment { get; } = Environment.GetEnvironmentVariable("PEJIT_COMPILE_FUNCTIONS") switch
    {
        "1" => true,
        "0" => false,
        _ => null,
    };

    /// <summary>
    /// Whether a function's unit (with <see cref="CompileFunctions"/>) calls its own key directly, its reds as typed
    /// arguments and its result unboxed, instead of through its call cell with a state array (default on with the
    /// CIL backend; <c>PEJIT_DIRECT_CALLS=0</c> turns it off, to compare).
    /// </summary>
    public bool DirectSelfCalls { get; init; } = Environment.GetEnvironmentVariable("PEJIT_DIRECT_CALLS") != "0";

    /// <summary>
    /// Whether a function's direct self-calls that make the callee's reds for the call (the interpreter's new frame,
    /// its stack or registers) pass what is in them to a second entry of the unit instead, so that allocation removal
    /// takes the callee's frame apart in caller and callee (<c>Unit.ShapedEntry</c>; default on with
    /// <see cref="DirectSelfCalls"/>; <c>PEJIT_SHAPED_CALLS=0</c> turns it off, to compare).
    /// </summary>
    public bool ShapedSelfCalls { get; init; } = Environment.GetEnvironmentVariable("PEJIT_SHAPED_CALLS") != "0";

    /// <summary>
    /// Whether the interpreter's <c>[Virtualizable]</c> frames are honored: their named arrays' elements kept in SSA values
    /// across calls that cannot reach the frame (PromoteMemory's rules 8 to 10). Default on; <c>PEJIT_VIRTUALIZABLE=0</c>
    /// treats every frame as an ordinary object, to compare.
    /// </summary>
    public bool Virtualizables { get; init; } = Environment.GetEnvironmentVariable("PEJIT_VIRTUALIZABLE") != "0";

    /// <summary>
    /// Whether a unit whose CIL, with its <c>[Virtualizable]</c> frame in SSA values, is past the size .NET optimizes
    /// (<see cref="PeJit.Backends.Cil.CilCompiledCode.OptimizedILLimit"/>) is specialized once more with the frame in memory,
    /// keeping the smaller code (default on; <c>PEJIT_OVERSIZED_IN_MEMORY=0</c> keeps the virtualized unit, unoptimized):
    /// every exit of a virtualized unit makes the boxes of the live slots, and with many exits that code is most of the
    /// unit (Lua <c>nbody</c>: 146,217 IL bytes virtualized, run unoptimized; 15,585 with the registers in memory).
    /// </summary>
    public bool OversizedUnitsInMemory { get; init; } = Environment.GetEnvironmentVariable("PEJIT_OVERSIZED_IN_MEMORY") != "0";

    /// <summary>
    /// Whether a woven portal's entry enters a key's typed unit through an entry cell (<see cref="EntryCell"/>: no
    /// boxing, no lookup) once the unit is compiled (default on; <c>PEJIT_ENTRY_CELLS=0</c> leaves every such entry to
    /// the slow path, to compare).
    /// </summary>
    public bool EntryCells { get; init; } = Environment.GetEnvironmentVariable("PEJIT_ENTRY_CELLS") != "0";

    /// <summary>
    /// How the rest of a step left in its middle (a <c>Jit.Promote</c> value or <c>Jit.PromoteClass</c> class without a case)
    /// runs once the unit no longer learns from it: on compiled continuations, the rest of each frame's method from where it
    /// stands compiled by the CIL backend once per resume point (default; <c>PEJIT_FINISH=compiled</c>), or in the graph
    /// evaluator (<c>PEJIT_FINISH=evaluator</c>, 100-1000 times slower, to compare). An exit with a frame no continuation can be
    /// made for goes to the evaluator whatever this says (<see cref="ContinuationGraph"/>, <c>PEJIT_LOG=units</c> says why).
    /// </summary>
    public bool CompiledFinish { get; init; } = Environment.GetEnvironmentVariable("PEJIT_FINISH") != "evaluator";

    /// <summary>
    /// Whether a learning step (a mid-step exit while its unit may still be specialized again) runs its exit's frames on
    /// continuations that report what they see at the promotion hints (<see cref="ContinuationLearning"/>), where that notes
    /// what the evaluator would (no frame may make a call the learner follows), instead of the graph evaluator. On by default
    /// (<c>PEJIT_FINISH=compiled</c>, or <c>learning</c>, its older name): a resume point's one continuation serves the steps
    /// that learn and those that do not, so it costs no compilation of its own; off with <c>PEJIT_FINISH=evaluator</c>. The steps
    /// after the exit's, from the merge point, stay on the evaluator (Docs/PERFORMANCE.md, "Learning steps on continuations").
    /// Needs <see cref="CompiledFinish"/>.
    /// </summary>
    public bool LearningOnContinuations { get; init; } = Environment.GetEnvironmentVariable("PEJIT_FINISH") != "evaluator";

    /// <summary>
    /// How many times an exit of a unit must have been taken before the continuations of its frames are compiled
    /// (<c>PEJIT_FINISH_AFTER</c>, from 1): before that, and when one of them was compiled already for another exit, the
    /// step runs on what exists, the graph evaluator otherwise. A continuation is one CIL compilation, far more than a few
    /// steps in the evaluator: a resume point taken a few times in a short process (a learning step runs about
    /// three times before its unit is specialized again) is cheaper left to the evaluator (Docs/PERFORMANCE.md, "One
    /// continuation per resume point").
    /// </summary>
    public int ContinuationAfter { get; init; } = (int?)EnvironmentContinuationAfter.Value ?? DefaultContinuationAfter;

    /// <summary>The default of <see cref="ContinuationAfter"/>.</summary>
    public const int DefaultContinuationAfter = 8;

    /// <summary>
    /// From which learning step of a portal on (a mid-step exit's while its unit may be specialized again, each step its learning
    /// loop goes on with, each step of a loop's first turn; counted from 1) learning steps run on compiled code
    /// (<see cref="LearningOnContinuations"/>; <c>PEJIT_FINISH_LEARNING_AFTER</c>, from 1: all of them); those before run in the
    /// graph evaluator. Learning on compiled code compiles
    /// the portal's continuation from its merge point and the learning twins of the methods it follows (the whole portal among
    /// them), tens of milliseconds, where a short process runs a few hundred learning steps in all (Lua <c>numeric 1000000</c>:
    /// 120, 85 ms more CPU compiled than evaluated; <c>nbody 2000</c>: 367, even; Docs/PERFORMANCE.md, "Learning steps on
    /// compiled code, interpreted calls included").
    /// </summary>
    public int LearningContinuationAfter { get; init; } = (int?)EnvironmentLearningContinuationAfter.Value ?? DefaultLearningContinuationAfter;

    /// <summary>The default of <see cref="LearningContinuationAfter"/>.</summary>
    public const int DefaultLearningContinuationAfter = 1000;

    /// <summary>
    /// Whether a native (AMD64) unit whose loop is left a threshold's times at one exit gets a *bridge* there instead of
    /// being specialized again with the code after its loop (default on; <c>PEJIT_BRIDGES=0</c> turns it off): the exit's key is
    /// compiled alone, with that code as its tail, and attached to the exit, so the unit is not recompiled and the
    /// exit goes on in the bridge: natively, through an adapter at the exit's target slot, where a plan proves where
    /// each of the bridge's words is, else through the runtime (<c>RunTime/Backends/README.md</c>, "Exit target slots").
    /// On by default (the fuzzer's native configuration runs with it, with no mismatch so far, <c>Docs/fuzzing.md</c>);
    /// units of other backends are specialized again whatever this says.
    /// </summary>
    public bool Bridges { get; init; } = Environment.GetEnvironmentVariable("PEJIT_BRIDGES") != "0";

    /// <summary>
    /// Whether a loop's key, when it gets hot, first has one turn of its loop run by the learning evaluator, which notes the
    /// class at every <c>Jit.PromoteClass</c> it passes, so that its first unit is specialized with those cases (default off;
    /// <c>PEJIT_LEARN_FIRST=1</c> turns it on). Without it the first unit has no case at those sites, leaves at the first
    /// one it meets, and is specialized again with what the evaluator learned there: two or three units where one does,
    /// each a whole compilation (Lua `sieve`: 93, then 554 residual instructions for one loop; 24, 446, then 1,181 for the other).
    /// Only once the evaluator has finished a step in the process: its first step costs 20-30 ms of the interpreter's thread,
    /// which a short program whose units are never entered never paid (<c>PortalRuntime.LearnFirstTurn</c>). Off by default:
    /// measured quiet as whole processes (Docs/PERFORMANCE.md, "Quiet rerun at the session's end (main `e4de7a5`"), the turns
    /// cost the interpreter's thread 26-39 ms on Lua `polymorphic`, `numeric` and `nbody`, more than the units they save.
    /// </summary>
    public bool LearnFirst { get; init; } = Environment.GetEnvironmentVariable("PEJIT_LEARN_FIRST") == "1";

    /// <summary>Where to log each unit compiled and each budget hit, besides <c>PEJIT_LOG</c>; null for nowhere.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>The settings with <see cref="Threshold"/> replaced unless <c>PEJIT_THRESHOLD</c> sets it.</summary>
    internal JitSettings WithDefaultThreshold(int threshold) =>
        EnvironmentThreshold.Value is null && threshold > 0 ? this with { Threshold = threshold } : this;

    private static readonly EnvironmentNumber EnvironmentThreshold = EnvironmentNumber.Read("PEJIT_THRESHOLD", int.MaxValue);
    private static readonly EnvironmentNumber EnvironmentFunctionThreshold = EnvironmentNumber.Read("PEJIT_FUNCTION_THRESHOLD", int.MaxValue);
    private static readonly EnvironmentNumber EnvironmentCacheLimit = EnvironmentNumber.Read("PEJIT_CACHE_LIMIT", long.MaxValue);
    private static readonly EnvironmentNumber EnvironmentContinuationAfter = EnvironmentNumber.Read("PEJIT_FINISH_AFTER", int.MaxValue);
    private static readonly EnvironmentNumber EnvironmentLearningContinuationAfter = EnvironmentNumber.Read("PEJIT_FINISH_LEARNING_AFTER", int.MaxValue);
    private static int warned;

    /// <summary>
    /// Writes to <paramref name="log"/>, once per process, a line for each environment variable whose text is
    /// not a valid value, naming it and the value the settings take instead: a mistyped setting must not silently mean the
    /// default. <paramref name="settings"/> is called only for a line that names one of their values: the first portal
    /// reached warns before anything is hot, and making the settings (their defaults are the specializer's and the
    /// optimizer's types) would load those assemblies in every JIT-enabled process.
    /// </summary>
    internal static void WarnAboutEnvironment(Func<JitSettings> settings, JitLog log)
    {
        if (Interlocked.Exchange(ref warned, 1) != 0) return;
        JitSettings? made = null;
        JitSettings Used() => made ??= settings();
        if (EnvironmentThreshold.Problem is { } threshold)
            log.Warning($"pejit: warning: {threshold}; using threshold {Used().Threshold} (give a number of times from 1, which compiles on first sight, up)");
        if (EnvironmentFunctionThreshold.Problem is { } functionThreshold)
            log.Warning($"pejit: warning: {functionThreshold}; using the threshold for functions {FunctionCompilationPolicy.ThresholdFor(Used(), Used().Threshold)} (give a number of entries from 1 up)");
        if (Environment.GetEnvironmentVariable("PEJIT_COMPILE_FUNCTIONS") is { Length: > 0 } compileFunctions && compileFunctions is not ("0" or "1"))
            log.Warning($"pejit: warning: PEJIT_COMPILE_FUNCTIONS={compileFunctions} is neither 0 nor 1; using the default, functions compiled past {FunctionCompilationPolicy.DefaultScale} times the threshold's entries while no loop is hot (give 1 to compile them at the threshold, 0 never)");
        if (Environment.GetEnvironmentVariable("PEJIT_INLINE_CALLS") is { Length: > 0 } inlineCalls && inlineCalls is not ("0" or "1"))
            log.Warning($"pejit: warning: PEJIT_INLINE_CALLS={inlineCalls} is neither 0 nor 1; using the default, a loop's unit inlines interpreted calls whose callee key is known (give 1 to inline guarded callees too, 0 none)");
        if (Environment.GetEnvironmentVariable("PEJIT_FINISH") is { Length: > 0 } finish && finish is not ("compiled" or "evaluator" or "learning"))
            log.Warning($"pejit: warning: PEJIT_FINISH={finish} is neither compiled, learning nor evaluator; using compiled (the rest of a step left in its middle, learning steps included, runs on compiled continuations where it can; give evaluator to run it in the graph evaluator)");
        if (EnvironmentLearningContinuationAfter.Problem is { } learningAfter)
            log.Warning($"pejit: warning: {learningAfter}; using {DefaultLearningContinuationAfter} (give from which learning step on learning steps run on compiled code, the graph evaluator running those before; from 1: all of them)");
        if (EnvironmentContinuationAfter.Problem is { } after)
            log.Warning($"pejit: warning: {after}; using {DefaultContinuationAfter} (give how many times an exit is taken before its continuations are compiled, from 1: compiled at the first)");
        if (EnvironmentCacheLimit.Problem is { } cacheLimit)
            log.Warning(string.Create(CultureInfo.InvariantCulture, $"pejit: warning: {cacheLimit}; using cache limit {Used().CacheLimit} (give a number of residual instructions from 1 up)"));
    }

    /// <summary>The threshold of a JIT-enabled assembly that recorded <paramref name="recorded"/> (0: none), as <see cref="WithDefaultThreshold"/> gives it.</summary>
    internal static int ThresholdFor(int recorded) =>
        (int?)EnvironmentThreshold.Value ?? (recorded > 0 ? recorded : DefaultThreshold);
}
