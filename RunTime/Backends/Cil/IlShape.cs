namespace PeJit.Backends.Cil;

/// <summary>
/// What .NET's JIT looks at, before it compiles a method, to decide whether to optimize it: the IL's size, its
/// instruction count, its basic blocks, its locals (with the arguments) and its references to them. Past any one of
/// RyuJIT's limits (<c>compSetOptimizationLevel</c> in its <c>compiler.cpp</c>: 60,000 bytes, 20,000 instructions, 2,000
/// blocks, 2,000 locals, 8,000 local references) the method is compiled with MinOpts: every value on the stack frame,
/// nothing inlined, no loop optimization. A unit compiled so runs several times slower than the same code optimized,
/// and can be slower than the interpreter it replaces (Lua <c>polymorphic</c>'s 17-key unit: 47,292 IL bytes, under
/// the size limit, but 2,300 locals, one per block parameter of its 71 exits).
/// </summary>
/// <param name="CodeSize">IL bytes.</param>
/// <param name="Instructions">IL instructions.</param>
/// <param name="BasicBlocks">
/// Basic blocks as RyuJIT first cuts them, counted from above: every label marked (a jump target) and every
/// instruction that ends a block (a branch, <c>ret</c>, <c>throw</c>, <c>leave</c>, <c>switch</c>), plus one.
/// </param>
/// <param name="Locals">Locals declared, with the method's arguments (RyuJIT's <c>lvaCount</c> before its own temporaries).</param>
/// <param name="LocalReferences">Instructions that load, store or take the address of a local or an argument.</param>
public readonly record struct IlShape(int CodeSize, int Instructions, int BasicBlocks, int Locals, int LocalReferences)
{
    /// <summary>RyuJIT's <c>DEFAULT_MIN_OPTS_CODE_SIZE</c>.</summary>
    public const int CodeSizeLimit = 60_000;

    /// <summary>RyuJIT's <c>DEFAULT_MIN_OPTS_INSTR_COUNT</c>.</summary>
    public const int InstructionLimit = 20_000;

    /// <summary>RyuJIT's <c>DEFAULT_MIN_OPTS_BB_COUNT</c>.</summary>
    public const int BasicBlockLimit = 2_000;

    /// <summary>RyuJIT's <c>DEFAULT_MIN_OPTS_LV_NUM_COUNT</c>.</summary>
    public const int LocalLimit = 2_000;

    /// <summary>RyuJIT's <c>DEFAULT_MIN_OPTS_LV_REF_COUNT</c>.</summary>
    public const int LocalReferenceLimit = 8_000;

    /// <summary>True when .NET compiles a method of this shape without optimizations.</summary>
    public bool CompiledUnoptimized => Unoptimized is not null;

    /// <summary>
    /// Why .NET compiles a method of this shape without optimizations (the limits it is past, with the figures), or
    /// null when it optimizes it.
    /// </summary>
    public string? Unoptimized
    {
        get
        {
            List<string>? past = null;
            Check(CodeSize, CodeSizeLimit, "IL bytes");
            Check(Instructions, InstructionLimit, "IL instructions");
            Check(BasicBlocks, BasicBlockLimit, "basic blocks");
            Check(Locals, LocalLimit, "locals");
            Check(LocalReferences, LocalReferenceLimit, "references to locals");
            return past is null ? null : string.Join(", ", past);

            void Check(int value, int limit, string what)
            {
                if (value > limit) (past ??= []).Add($"{value:N0} {what} (past {limit:N0})");
            }
        }
    }

    /// <summary>The largest fraction of a limit this shape takes (1 or more: compiled unoptimized).</summary>
    public double LoadFactor => Math.Max(
        Math.Max(Math.Max((double)CodeSize / CodeSizeLimit, (double)Instructions / InstructionLimit), (double)BasicBlocks / BasicBlockLimit),
        Math.Max((double)Locals / LocalLimit, (double)LocalReferences / LocalReferenceLimit));

    /// <inheritdoc/>
    public override string ToString() =>
        $"{CodeSize:N0} IL bytes, {Instructions:N0} instructions, {BasicBlocks:N0} blocks, {Locals:N0} locals, {LocalReferences:N0} local references";
}
