using PeJit.IR;

namespace PeJit.IR.Verification;

/// <summary>One broken invariant: where (block, instruction, IL offset and line) and what is wrong.</summary>
/// <param name="Function">The graph's name.</param>
/// <param name="Block">The block, when the error is in one.</param>
/// <param name="Index">The instruction's index in its block, or -1 for the block header or the graph.</param>
/// <param name="Text">The instruction or block header as printed.</param>
/// <param name="Location">IL offset and source line, when known.</param>
/// <param name="Message">What is wrong and what to look at.</param>
public sealed record VerifierError(string Function, Block? Block, int Index, string Text, SourceLocation Location, string Message)
{
    /// <inheritdoc/>
    public override string ToString()
    {
        string where = Block is { } b ? Index >= 0 ? $"{b}[{Index}]" : b.ToString() : "function";
        string location = Location.ToString();
        return $"{where}: {Message}{(Text.Length > 0 ? $"\n    {Text}" : "")}{(location.Length > 0 ? $"  ; {location}" : "")}";
    }
}
