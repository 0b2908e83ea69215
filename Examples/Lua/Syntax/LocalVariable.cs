namespace PeJit.Examples.Lua.Syntax;

/// <summary>A local variable (or parameter) as the parser resolved it: each declaration is one object, shared by every use.</summary>
public sealed class LocalVariable(string name, int function)
{
    /// <summary>Its name.</summary>
    public string Name { get; } = name;

    /// <summary>The <see cref="FunctionBody.Id"/> of the function that declares it.</summary>
    public int Function { get; } = function;

    /// <summary>True when a nested function uses it: then it lives in a cell the closures share.</summary>
    public bool Captured { get; set; }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
