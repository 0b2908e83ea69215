namespace PeJit.Examples.TreeWalker.Ast;

/// <summary>A parsed program: its functions, one of them <c>main</c>.</summary>
public sealed class Script(Function[] functions)
{
    /// <summary>The functions, in the order of the source.</summary>
    public readonly Function[] Functions = functions;

    /// <summary>The function called <c>main</c>, or null.</summary>
    public Function? Main => Array.Find(Functions, f => f.Name == "main");
}
