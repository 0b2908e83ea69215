using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.ExceptionServices;

namespace PeJit.Backends.Cil;

/// <summary>
/// A graph compiled by <see cref="CilBackend"/>: its <see cref="DynamicMethod"/>, and for a unit, the delegate the
/// runtime calls (made here, at compile time, so that entering a unit is one delegate call).
/// </summary>
public sealed class CilCompiledCode : ICompiledCode
{
    private readonly Func<object[], object?[], object?[], object?>? unitEntry;

    /// <summary>
    /// Wraps <paramref name="method"/>; makes the unit entry when the method has the unit shape. <paramref name="shape"/>:
    /// the method as .NET's JIT counts it, when its emitter knows (<see cref="CilBackend.Emit(PeJit.IR.FlowGraph, Module, out IlShape, string?, Action{DynamicMethod}?)"/>).
    /// </summary>
    public CilCompiledCode(DynamicMethod method, IlShape? shape = null) : this(method, method, shape)
    {
    }

    /// <summary>
    /// A typed unit: <paramref name="entry"/> has the unit shape and calls <paramref name="body"/>, the unit's code
    /// (<see cref="CilBackend.CompileUnit"/>).
    /// </summary>
    internal CilCompiledCode(DynamicMethod entry, DynamicMethod body, IlShape? shape)
    {
        var method = entry;
        Method = body;
        Shape = shape;
        ILSize = body.GetILGenerator().ILOffset;
        if (method.ReturnType == typeof(object)
            && method.GetParameters().Select(p => p.ParameterType).SequenceEqual([typeof(object[]), typeof(object[]), typeof(object[])]))
            unitEntry = method.CreateDelegate<Func<object[], object?[], object?[], object?>>();
    }

    /// <summary>
    /// IL bytes RyuJIT compiles a method of at most with optimizations (<see cref="IlShape.CodeSizeLimit"/>; the other
    /// limits are <see cref="IlShape"/>'s): past it, MinOpts, every value on the stack, nothing inlined. A unit that big
    /// can run slower than the interpreter it replaces (Examples/Lua's findings: nbody's 100,864-byte unit, 6x slower).
    /// </summary>
    public const int OptimizedILLimit = IlShape.CodeSizeLimit;

    /// <summary>The size of the emitted method body, in IL bytes.</summary>
    public int ILSize { get; }

    /// <summary>
    /// The emitted method body as .NET's JIT counts it before deciding whether to optimize it; null for a method this
    /// backend did not count (made elsewhere and wrapped).
    /// </summary>
    public IlShape? Shape { get; }

    /// <summary>Why .NET compiles the body without optimizations (<see cref="IlShape.Unoptimized"/>), or null.</summary>
    public string? Unoptimized => Shape?.Unoptimized ?? (ILSize > OptimizedILLimit ? $"{ILSize:N0} IL bytes (past {OptimizedILLimit:N0})" : null);

    /// <summary>How many loops were compiled as methods of their own (<see cref="OutlinedLoop"/>), called from <see cref="Method"/>.</summary>
    public int OutlinedLoops { get; init; }

    /// <summary>The emitted method (of a typed unit, its code, not the entry that unboxes the state).</summary>
    public DynamicMethod Method { get; }

    /// <inheritdoc/>
    public string Backend => "cil";

    /// <inheritdoc/>
    public object? Run(object[] constants, object?[] exit, object?[] state) =>
        unitEntry is { } entry
            ? entry(constants, exit, state)
            : throw new InvalidOperationException($"{Method.Name} does not take (object[] constants, object[] exit, object[] state) as a unit does; call Invoke");

    /// <inheritdoc/>
    public object? Invoke(params object?[] arguments)
    {
        try
        {
            return Method.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // The code's own exception, with its stack trace, as if it had been called directly.
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <remarks>Nothing to give back: the <c>DynamicMethod</c> is collected with the last reference to it.</remarks>
    public void Drop()
    {
    }
}
