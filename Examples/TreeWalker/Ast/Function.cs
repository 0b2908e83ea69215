using PeJit;

namespace PeJit.Examples.TreeWalker.Ast;

/// <summary>
/// A function of the program. Its variables live in a <c>long[]</c> of <see cref="Slots"/> entries: the
/// parameters first, then the result slot (where <c>return</c> leaves its value), then the locals.
/// </summary>
/// <param name="name">Its name.</param>
/// <param name="parameters">Its parameters' names.</param>
/// <param name="defaults">Each parameter's default value, for running the function from the command line.</param>
public sealed class Function(string name, string[] parameters, long?[] defaults)
{
    /// <summary>Its name.</summary>
    public readonly string Name = name;

    /// <summary>Its parameters' names.</summary>
    public readonly string[] Parameters = parameters;

    /// <summary>Each parameter's default value (<c>func main(n = 10)</c>), null where there is none.</summary>
    public readonly long?[] Defaults = defaults;

    /// <summary>Number of parameters.</summary>
    public int Arity => Parameters.Length;

    /// <summary>The slot <c>return</c> writes to, just after the parameters.</summary>
    public int ResultSlot => Parameters.Length;

    /// <summary>Size of its variable array. Set once by the parser, when the body is parsed.</summary>
    [JitImmutable]
    public int Slots;

    /// <summary>Its body. Set once by the parser (calls may refer to the function before its body is parsed).</summary>
    [JitImmutable]
    public BlockNode Body = null!;
}
