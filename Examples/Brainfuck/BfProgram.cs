using PeJit;

namespace PeJit.Examples.Brainfuck;

/// <summary>A compiled Brainfuck program: operations, their arguments (counts, jump targets). Immutable.</summary>
[JitImmutable]
public sealed class BfProgram(BfOp[] ops, int[] arguments)
{
    /// <summary>The operations.</summary>
    public readonly BfOp[] Ops = ops;

    /// <summary>Each operation's argument: a count for Add and Move, the matching bracket's index for jumps.</summary>
    public readonly int[] Arguments = arguments;
}
