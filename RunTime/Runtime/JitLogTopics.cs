namespace PeJit.Runtime;

/// <summary>What <c>PEJIT_LOG</c> asks for (comma-separated names; <c>all</c> for everything).</summary>
[Flags]
public enum JitLogTopics
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary><c>summary</c>: at exit, the units compiled per portal, their green keys, sizes and times.</summary>
    Summary = 1,

    /// <summary><c>units</c>: a line per unit as it is compiled, and per budget hit or unit dropped.</summary>
    Units = 2,

    /// <summary><c>residual</c>: the residual code of each unit, as the backend gets it.</summary>
    Residual = 4,

    /// <summary>
    /// <c>assemblies</c>: at exit, the names of the assemblies loaded in the process, one line, sorted (which
    /// of PeJit's are loaded: a JIT-enabled process loads no build-time assembly). Not part of <c>all</c>.
    /// </summary>
    Assemblies = 8,

    /// <summary><c>asm</c>: each AMD64 unit's disassembly, each residual instruction's text above its machine code.</summary>
    Asm = 16,

    /// <summary>
    /// <c>memory</c>: the bytes alive (<c>GC.GetTotalMemory(true)</c>, a full collection each: it changes what it measures'
    /// timing) when a portal has been prepared and at each stage of the first units (start, after specialization, after
    /// optimization, end), with the stage's own allocation. What a short process keeps alive is what its GC clears and
    /// walks again (Docs/PERFORMANCE.md, "Never hot: the counter tables out of gen0..."). Not part of <c>all</c>.
    /// </summary>
    Memory = 32,

    /// <summary><c>all</c>: summary, units, residual and asm.</summary>
    All = Summary | Units | Residual | Asm,
}
