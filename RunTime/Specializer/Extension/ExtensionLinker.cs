using System.Reflection;
using PeJit.IR;
using PeJit.IR.Semantics;

namespace PeJit.Specializer.Extension;

/// <summary>
/// Binds an extension program to the running process: everything in it that needs a reflection object. The
/// build-time generator's <c>ExtensionCompiler</c> decides what each op is (from the analysis, without loading
/// the interpreter); linking then resolves, through an <see cref="IMemberResolver"/>, what running it
/// needs: the delegate of each green field, static-field or element load and green call
/// (<see cref="GreenAccessBuilder"/>), the run-time type of <c>isinst</c>, <c>castclass</c>, green slots and
/// <c>default</c> (whose value it computes). <c>pejit build</c> stores the program unlinked
/// (<see cref="ExtensionSerializer"/>); the run time links it (<see cref="Link(ExtensionProgram, IMemberResolver, Assembly?)"/>) when the portal is first prepared.
/// A green access for which <c>pejit build</c> emitted a static method into the JIT-enabled assembly
/// (<see cref="ExtensionOp.AccessMethod"/>, in <see cref="AccessorsType"/>) is bound to it: nothing is compiled,
/// and System.Linq.Expressions is not even loaded unless some access has no emitted method.
/// </summary>
/// <remarks>
/// Linking depends only on the ops' opcodes and what the compiler decided, never on an earlier link, so a
/// program linked twice (or serialized after linking and linked again) ends up the same.
/// </remarks>
public static class ExtensionLinker
{
    /// <summary>The type <c>pejit build</c> adds to a JIT-enabled assembly to hold the green accesses it emitted (<see cref="ExtensionOp.AccessMethod"/>).</summary>
    public const string AccessorsType = "<PeJit>GreenAccessors";

    /// <summary>Links every graph of <paramref name="program"/>; returns it.</summary>
    /// <param name="program">The program, read back or compiled unlinked.</param>
    /// <param name="resolver">Finds the members it names.</param>
    /// <param name="woven">The JIT-enabled assembly, whose <see cref="AccessorsType"/> holds the emitted accesses; null when there is none (the in-process API).</param>
    /// <remarks>
    /// A graph read lazily (<see cref="ExtensionSerializer.ReadLazily"/>) is linked when it is loaded, on whichever
    /// thread needs it first; the builder, which shares one delegate between sites of a member, is used under
    /// its own lock then.
    /// </remarks>
    public static ExtensionProgram Link(ExtensionProgram program, IMemberResolver resolver, Assembly? woven = null)
    {
        // The type of emitted accesses is found at the first access run, not here, and by the token pejit build stored
        // with its name (MemberTable.WithToken) when there is one: the first lookup of a type by name in a process parses
        // it, and .NET compiles the parser's vectorized searches then (some 4 ms, the larger part of a portal's preparation;
        // Docs/PERFORMANCE.md, "Preparation: where its milliseconds went").
        var builder = new GreenAccessBuilder(woven is null ? null
            : () => (resolver as MemberTableResolver)?.StoredType(AccessorsType) ?? woven.GetType(AccessorsType, throwOnError: false))
        {
            Counted = b =>
            {
                program.AccessDelegates = b.Count;
                program.AccessMethods = b.Bound;
            },
        };
        // One delegate for every graph (a lambda is a new delegate each time it is evaluated): most of a stored program's
        // graphs are never loaded, and each keeps its linker until it is.
        Action<ExtensionGraph> link = loaded =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            lock (builder)
            {
                Link(loaded, resolver, builder);
                builder.Counted(builder);
            }
            program.AddLinkTime(clock.Elapsed);
        };
        foreach (var graph in program.Graphs) graph.WhenLoaded(link);
        return program;
    }

    /// <summary>Links one graph (tests of the green operations, which compile a lone graph).</summary>
    public static ExtensionGraph Link(ExtensionGraph graph, IMemberResolver resolver)
    {
        Link(graph, resolver, new GreenAccessBuilder(null));
        return graph;
    }

    private static void Link(ExtensionGraph graph, IMemberResolver resolver, GreenAccessBuilder builder)
    {
        foreach (var block in graph.Blocks)
            foreach (var op in block)
                Link(graph, op, resolver, builder);
    }

    /// <summary>True for an op the compiler prepared to run green: a value with a green result, or a constant the engine computes on use.</summary>
    internal static bool IsPreparedGreen(ExtensionOp op) => op.Kind == ExtensionOpKind.Value && (op.ResultIsGreen || IsConstantLike(op.Instruction));

    /// <summary>
    /// A <c>stfld</c> or <c>initobj</c> through an address: a write of a struct's field through <c>this</c> or a
    /// local's address, or its reset to default (see <see cref="ExtensionOp.RuntimeField"/>).
    /// </summary>
    internal static bool IsStoreThroughAddress(ExtensionOp op) =>
        op.Kind == ExtensionOpKind.Effect && op.OperandTypes.Length > 0 && op.OperandTypes[0].StackKind == StackKind.ByRef
        && op.Instruction.Opcode switch { Opcode.StoreField or Opcode.Store => op.OperandTypes.Length == 2, Opcode.InitObj => op.OperandTypes.Length == 1, _ => false };

    /// <summary>An instruction whose value the engine computes where it is used when its definition was not run.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static bool IsConstantLike(Instruction instruction) =>
        instruction.Opcode is Opcode.Const or Opcode.Null or Opcode.String or Opcode.Default or Opcode.SizeOf or Opcode.Token;

    private static void Link(ExtensionGraph graph, ExtensionOp op, IMemberResolver resolver, GreenAccessBuilder builder)
    {
        var instruction = op.Instruction;
        if (op.Kind == ExtensionOpKind.Call)
        {
            if (op.Treatment == CallTreatment.GreenCall) LinkAccess(graph, op, resolver, builder);
            return;
        }
        if (IsStoreThroughAddress(op))
        {
            try
            {
                if (instruction.Opcode == Opcode.InitObj) op.RuntimeType = resolver.ResolveType(instruction.TypeOperand!);
                else if (instruction.Opcode == Opcode.StoreField) op.RuntimeField = resolver.ResolveField(instruction.Field!);
            }
            catch (Exception e) when (e is InvalidOperationException or MemberAccessException)
            {
                // Needed only when the address is green; the engine says so then.
            }
            return;
        }
        if (!IsPreparedGreen(op)) return;
        switch (instruction.Opcode)
        {
            case Opcode.FieldAddr when op.Green == GreenOperation.FieldAddress:
                try
                {
                    op.RuntimeField = resolver.ResolveField(instruction.Field!);
                }
                catch (Exception e) when (e is InvalidOperationException or MemberAccessException)
                {
                    CannotRun(op, $"{graph.Name}: the field {instruction.Field!.FullName} of the green 'ldflda' at {instruction.Location}: {e.Message}");
                }
                return;
            case Opcode.Default:
                LinkDefault(graph, op, resolver);
                return;
            case Opcode.LoadField or Opcode.LoadStatic or Opcode.LoadElement when op.Green == GreenOperation.Access:
                LinkAccess(graph, op, resolver, builder);
                return;
            case Opcode.IsInst or Opcode.CastClass when op.Green is GreenOperation.IsInstance or GreenOperation.CastClass:
                try
                {
                    op.RuntimeType = resolver.ResolveType(instruction.TypeOperand!);
                }
                catch (InvalidOperationException e)
                {
                    CannotRun(op, $"{graph.Name}: '{instruction.Info.Name}' of {instruction.TypeOperand}: {e.Message}");
                }
                return;
            case Opcode.LoadSlot or Opcode.SlotAddr when op.Green == GreenOperation.LoadSlot:
                try
                {
                    op.RuntimeType = resolver.ResolveType(graph.Graph[instruction.Slot].Type);
                }
                catch (InvalidOperationException)
                {
                    // Only a slot read before any store needs its type's default.
                }
                return;
        }
    }

    private static void LinkDefault(ExtensionGraph graph, ExtensionOp op, IMemberResolver resolver)
    {
        var instruction = op.Instruction;
        Type clr;
        try
        {
            clr = resolver.ResolveType(instruction.TypeOperand!);
        }
        catch (InvalidOperationException e)
        {
            CannotRun(op, $"{graph.Name}: 'default' of {instruction.TypeOperand}: {e.Message}");
            return;
        }
        op.Message = null;
        if (SpanValue.Stands(clr))
        {
            // A span is held as a SpanValue (it cannot be boxed): the empty one, immutable, so one constant serves.
            SetConstant(op, graph.Classes[op.Result], SpanValue.Empty(clr.GetGenericArguments()[0]));
            return;
        }
        if (clr.IsValueType && !clr.IsPrimitive && !clr.IsEnum)
        {
            op.Green = GreenOperation.DefaultValueType;
            op.RuntimeType = clr;
            return;
        }
        SetConstant(op, graph.Classes[op.Result], ValueSemantics.Normalize(clr.IsValueType ? Activator.CreateInstance(clr) : null, instruction.TypeOperand!));
    }

    /// <summary>Makes <paramref name="op"/> the constant <paramref name="value"/>, held in its register class's form.</summary>
    internal static void SetConstant(ExtensionOp op, RegisterClass resultClass, object? value)
    {
        op.Green = GreenOperation.Constant;
        op.ConstantObject = value;
        switch (resultClass)
        {
            case RegisterClass.Int when ValueSemantics.Normalize(value, op.ResultType) is int or long or nint:
                op.ConstantInteger = ValueSemantics.Normalize(value, op.ResultType) switch { int i => i, long l => l, nint n => n, _ => 0 };
                break;
            case RegisterClass.Float when value is double or float:
                op.ConstantFloat = value is float f ? f : (double)value;
                break;
            case RegisterClass.Ref:
                break;
            default:
                // A constant its register cannot hold: run boxed, so the frame reports it when it is used.
                op.Green = GreenOperation.Boxed;
                break;
        }
    }

    /// <summary>Marks <paramref name="op"/> as unable to run while specializing, with the reason.</summary>
    internal static void CannotRun(ExtensionOp op, string message)
    {
        op.Green = GreenOperation.CannotRun;
        op.Message = message;
    }

    private static void LinkAccess(ExtensionGraph graph, ExtensionOp op, IMemberResolver resolver, GreenAccessBuilder builder)
    {
        if (op.AccessMethod is { } emitted && builder.HasAccessors)
        {
            // Bound at its first run (see Link above); an assembly without the method (built by another version) gets
            // the compiled access then. The op then holds what was bound, so later runs call it directly.
            op.AccessCompiled = true;
            op.Access = (ints, floats, refs, operands, result) =>
            {
                GreenAccess access;
                lock (builder)
                {
                    access = builder.Emitted(emitted) ?? Compiled(graph, op, resolver, builder);
                    builder.Counted(builder);
                }
                op.Access = access;
                access(ints, floats, refs, operands, result);
            };
            return;
        }
        op.Access = Compiled(graph, op, resolver, builder);
        op.AccessCompiled = builder.IsCompiled(op.Access);
    }

    /// <summary>The access of <paramref name="op"/> as a compiled lambda (or, for a member that cannot be resolved, a delegate that throws why).</summary>
    private static GreenAccess Compiled(ExtensionGraph graph, ExtensionOp op, IMemberResolver resolver, GreenAccessBuilder builder)
    {
        var instruction = op.Instruction;
        var resultClass = op.Result >= 0 ? graph.Classes[op.Result] : RegisterClass.Ref;
        return Deferred(() => instruction.Opcode switch
        {
            Opcode.LoadField => builder.Field(resolver.ResolveField(instruction.Field!), resultClass, op.ResultType),
            Opcode.LoadStatic => builder.Static(resolver.ResolveField(instruction.Field!), resultClass, op.ResultType),
            Opcode.LoadElement => builder.Element(ElementType(op, resolver), op.OperandTypes[1], resultClass, op.ResultType),
            // A span of a green array is held as a SpanValue, which no lambda or reflection call can pass as a span.
            _ when SpanMethods.Knows(instruction.Method!) =>
                GreenSpanAccess.Of(instruction.Method!, () => resolver.ResolveMethod(instruction.Method!), op.Operands.Select(o => graph.Classes[o]).ToArray(), op.OperandTypes, resultClass, op.ResultType),
            _ => builder.Call(resolver.ResolveMethod(instruction.Method!), op.Operands.Select(o => graph.Classes[o]).ToList(), op.OperandTypes, resultClass, op.ResultType),
        });
    }

    /// <summary>
    /// Builds a delegate now; if the member cannot be resolved, a delegate that throws what resolving threw,
    /// so the error comes when (and only if) the specializer reaches it, as it did before the compact form.
    /// </summary>
    private static GreenAccess Deferred(Func<GreenAccess> build)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (e is InvalidOperationException or MissingMemberException or TypeLoadException or ArgumentException or NotSupportedException
            or FileNotFoundException or AmbiguousMatchException)
        {
            var captured = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            return (_, _, _, _, _) => captured.Throw();
        }
    }

    private static Type ElementType(ExtensionOp op, IMemberResolver resolver)
    {
        try
        {
            if (resolver.ResolveType(op.OperandTypes[0]) is { IsSZArray: true } array) return array.GetElementType()!;
        }
        catch (InvalidOperationException)
        {
        }
        return resolver.ResolveType(op.Instruction.TypeOperand!);
    }
}
