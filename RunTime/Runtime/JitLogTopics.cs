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

    /// <summary><c>all</c>.</summary>
    /// <summary>Each AMD64 unit's disassembly, each residual instruction's text above its machine code.</summary>
    Asm = 8,

    /// <summary>Every topic.</summary>
    All = Summary | Units | Residual | Asm,
}
