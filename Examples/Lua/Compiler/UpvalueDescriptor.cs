namespace PeJit.Examples.Lua.Compiler;

/// <summary>Where a closure's captured variable comes from when <see cref="OpCode.Closure"/> runs: a cell of the enclosing function, or one of its own upvalues.</summary>
public readonly record struct UpvalueDescriptor(bool FromEnclosingCell, int Index, string Name);
