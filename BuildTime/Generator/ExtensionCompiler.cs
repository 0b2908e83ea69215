using System.Reflection;
using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.Specializer.Engine;
using PeJit.Specializer.Extension;

namespace PeJit.Generator;

/// <summary>
/// Compiles a portal's annotated graphs, once and before any specialization, into the generating extension's
/// compact form (<see cref="ExtensionProgram"/>) that <see cref="UnitSpecializer"/> executes. Everything the
/// engine needs from the analysis is copied here into the program's own types (binding times of values and
/// slots, call treatments (<see cref="CallTreatment"/>), callees, the <see cref="PortalShape"/>): the engine does
/// not reference the analysis.
/// </summary>
/// <remarks>
/// Strategy:
/// 1. from the portal's graph, follow every inlined call's targets: each annotated graph becomes one
///    <see cref="ExtensionGraph"/>;
/// 2. give each value a register class by its type (integers as long, floats as double, the rest as object)
///    and a dense register number within its class;
/// 3. decode each instruction into an <see cref="ExtensionOp"/>: what the engine does with it, operands and
///    result as register numbers, its binding time, its call treatment and callee graphs (and, for virtual
///    calls, the callees' methods), the typed green
///    operation its opcode and operand classes select (anything the typed cases do not cover runs boxed
///    through <c>ValueSemantics.Pure</c>, as before);
/// 4. what needs the running process (the delegates of green loads and calls, run-time types, the value of
///    <c>default</c>) is left to <see cref="ExtensionLinker"/>: <see cref="CompileUnlinked"/> stops before it,
///    for <c>pejit build</c>, which stores the program in the JIT-enabled assembly (<see cref="ExtensionSerializer"/>)
///    without loading the interpreter; <see cref="Compile"/> links with the given resolver.
/// The engine then does no dictionary lookup on instructions and no reflection per step.
/// </remarks>
public sealed class ExtensionCompiler
{
    private readonly Dictionary<AnnotatedGraph, ExtensionGraph> graphs = new(ReferenceEqualityComparer.Instance);
    private readonly List<ExtensionGraph> order = [];
    /// <summary>The annotated graph each compiled graph came from, while it is decoded (the program does not keep it).</summary>
    private readonly Dictionary<ExtensionGraph, AnnotatedGraph> sources = new(ReferenceEqualityComparer.Instance);
    private readonly List<(ExtensionOp Op, CallDecision Decision)> inlined = [];

    private ExtensionCompiler()
    {
    }

    /// <summary>Compiles an analyzed portal and every graph it may inline, linked to the running process through <paramref name="resolver"/>.</summary>
    public static ExtensionProgram Compile(PortalAnalysis portal, IMemberResolver resolver) =>
        ExtensionLinker.Link(CompileUnlinked(portal), resolver);

    /// <summary>
    /// Compiles an analyzed portal and every graph it may inline without resolving any member: what
    /// <c>pejit build</c> stores (<see cref="ExtensionSerializer"/>); the run time links it (<see cref="ExtensionLinker"/>).
    /// </summary>
    public static ExtensionProgram CompileUnlinked(PortalAnalysis portal)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        if (portal.Graph is null || portal.MergePoint is null || portal.MergeBlock is null)
            throw new SpecializationException($"{portal.Hints.Method.FullName}: the portal has analysis errors; fix them first (pejit bta)");
        var compiler = new ExtensionCompiler();
        var entry = compiler.Graph(portal.Graph);
        // 1. Callees: compiled until no inlined call names a graph not compiled yet (recursion included).
        for (int i = 0; i < compiler.inlined.Count; i++)
        {
            var (op, decision) = compiler.inlined[i];
            op.Callees = decision.Targets.Select(compiler.Graph).ToArray();
            if (decision.Treatment is CallTreatment.InlineVirtual or CallTreatment.UnfoldVirtual or CallTreatment.InlineDelegate)
                op.CalleeMethods = decision.Targets.Select(t => MethodRef.From(t.Method)).ToArray();
        }
        var shape = new PortalShape(
            portal.Hints.Method.Name, portal.Hints.Method.FullName, portal.MergePoint, portal.MergeBlock.Value,
            portal.MergeVariables, portal.Hints.Greens.Count, portal.ImplicitReds) { Virtualizables = portal.Virtualizables };
        return new ExtensionProgram(entry, shape, compiler.order, 0, watch.Elapsed);
    }

    /// <summary>Compiles a graph with every value green and no calls (tests of the green operations).</summary>
    public static ExtensionGraph CompileAllGreen(FlowGraph graph, IMemberResolver resolver) =>
        ExtensionLinker.Link(new ExtensionCompiler().Build(graph, null, graph.Name), resolver);

    private ExtensionGraph Graph(AnnotatedGraph annotated)
    {
        if (graphs.TryGetValue(annotated, out var known)) return known;
        // Registered before its ops are decoded, so a recursive call finds it.
        var graph = Build(annotated.Graph, annotated, annotated.Name, g =>
        {
            graphs[annotated] = g;
            order.Add(g);
        });
        return graph;
    }

    private ExtensionGraph Build(FlowGraph flow, AnnotatedGraph? annotated, string name, Action<ExtensionGraph>? register = null)
    {
        // 2. Register classes and numbers.
        var graph = ExtensionLayout.Graph(flow, name, v => annotated is not null && annotated.TimeOf(v) == BindingTime.Red);
        if (annotated is not null) sources[graph] = annotated;
        register?.Invoke(graph);
        // 3. Ops.
        foreach (var block in flow.Blocks)
            graph.Blocks[block.Index] = flow[block].Instructions.Select(i => Decode(graph, i)).ToArray();
        return graph;
    }

    /// <summary>The register class of a value of <paramref name="type"/>.</summary>
    public static RegisterClass ClassOf(IrType type) => ExtensionLayout.ClassOf(type);

    private ExtensionOp Decode(ExtensionGraph graph, Instruction instruction)
    {
        var op = ExtensionLayout.Op(graph, instruction);
        var annotated = sources.GetValueOrDefault(graph);
        bool redSlot = annotated is not null && instruction.Opcode is Opcode.StoreSlot or Opcode.LoadSlot
            && annotated.TimeOf(instruction.Slot) == BindingTime.Red;
        // A struct local with red fields (analysis rule 7): read as a whole from its residual slot, written there too.
        bool partialSlot = annotated is not null && instruction.Opcode is Opcode.StoreSlot or Opcode.LoadSlot or Opcode.SlotAddr
            && annotated.IsPartlyRed(instruction.Slot);
        op.Kind = instruction.Opcode switch
        {
            Opcode.Jump => ExtensionOpKind.Jump,
            Opcode.BrIf => ExtensionOpKind.Branch,
            Opcode.Switch => ExtensionOpKind.Switch,
            Opcode.Return => ExtensionOpKind.Return,
            Opcode.Throw => ExtensionOpKind.Throw,
            Opcode.Leave => ExtensionOpKind.Leave,
            Opcode.EndFinally => ExtensionOpKind.EndFinally,
            Opcode.Rethrow => ExtensionOpKind.Rethrow,
            Opcode.EndFilter => ExtensionOpKind.EndFilter,
            Opcode.Call or Opcode.CallVirt or Opcode.NewObject or Opcode.ConstrainedCall => ExtensionOpKind.Call,
            Opcode.StoreSlot => ExtensionOpKind.StoreSlot,
            Opcode.LoadSlot when redSlot || partialSlot => ExtensionOpKind.LoadRedSlot,
            // A green slot address (a read-only one, analysis rule 7) runs as a read of the slot: see GreenOperation.LoadSlot.
            Opcode.SlotAddr when !op.ResultIsGreen => ExtensionOpKind.SlotAddress,
            _ => instruction.Result is null ? ExtensionOpKind.Effect : ExtensionOpKind.Value,
        };
        switch (op.Kind)
        {
            case ExtensionOpKind.Call:
                DecodeCall(graph, op);
                break;
            case ExtensionOpKind.StoreSlot:
                op.RedSlot = redSlot;
                op.PartialSlot = partialSlot && !redSlot;
                break;
            case ExtensionOpKind.Value when instruction.Opcode == Opcode.SlotAddr:
                op.PartialSlot = partialSlot;
                break;
        }
        ExtensionLayout.Finish(graph, op);
        // Only what can run green is prepared: a green result, or a constant the engine computes on use.
        if (ExtensionLinker.IsPreparedGreen(op))
            DecodeGreen(graph, op);
        return op;
    }

    private void DecodeCall(ExtensionGraph graph, ExtensionOp op)
    {
        var instruction = op.Instruction;
        if (sources.GetValueOrDefault(graph) is not { } annotated || !annotated.Calls.TryGetValue(instruction, out var decision))
        {
            op.Message = $"{graph.Name}: no call decision for {instruction.Method!.Name} (the analysis did not reach it)";
            return;
        }
        op.Treatment = decision.Treatment;
        switch (decision.Treatment)
        {
            case CallTreatment.Inline or CallTreatment.InlineVirtual or CallTreatment.Unfold or CallTreatment.UnfoldVirtual or CallTreatment.InlineDelegate
                or CallTreatment.InlineConstructor:
                inlined.Add((op, decision));
                break;
            case CallTreatment.GreenCall:
                op.Green = GreenOperation.Access;
                // The delegate is built when the program is linked (ExtensionLinker).
                op.AccessName = $"call {instruction.Method!.FullName}";
                break;
        }
    }

    private void DecodeGreen(ExtensionGraph graph, ExtensionOp op)
    {
        var instruction = op.Instruction;
        var resultClass = graph.Classes[op.Result];
        switch (instruction.Opcode)
        {
            case Opcode.Const:
                Constant(op, resultClass, op.ResultType.StackKind switch
                {
                    // Arms typed object: a switch over numeric arms would convert them all to double.
                    StackKind.Float => op.ResultType.Kind == TypeKind.F32 ? (object)(float)instruction.Float : instruction.Float,
                    StackKind.Int64 => (object)instruction.Integer,
                    StackKind.NativeInt => (object)(nint)instruction.Integer,
                    _ => (object)(int)instruction.Integer,
                });
                return;
            case Opcode.Null:
                Constant(op, resultClass, null);
                return;
            case Opcode.String:
                Constant(op, resultClass, instruction.Text);
                return;
            case Opcode.Default:
                // Its value needs the type at run time: ExtensionLinker computes it.
                return;
            case Opcode.SizeOf or Opcode.Token:
                CannotRun(op, $"{graph.Name}: '{instruction.Info.Name}' cannot run while specializing");
                return;
            case Opcode.LoadField:
                op.Green = GreenOperation.Access;
                op.AccessName = $"field {instruction.Field!.FullName}";
                return;
            case Opcode.LoadStatic:
                op.Green = GreenOperation.Access;
                op.AccessName = $"static {instruction.Field!.FullName}";
                return;
            case Opcode.LoadElement when graph.Classes[op.Operands[1]] == RegisterClass.Int:
                op.Green = GreenOperation.Access;
                op.AccessName = $"element {instruction.TypeOperand}";
                return;
            case Opcode.ArrayLength:
                op.Green = GreenOperation.ArrayLength;
                return;
            case Opcode.IsInst or Opcode.CastClass:
                // The run-time type is resolved when the program is linked.
                op.Green = instruction.Opcode == Opcode.IsInst ? GreenOperation.IsInstance : GreenOperation.CastClass;
                return;
            case Opcode.UnboxAny:
                op.Green = GreenOperation.UnboxAny;
                return;
            case Opcode.Load when op.OperandTypes[0].StackKind == StackKind.ByRef:
                op.Green = GreenOperation.LoadThroughAddress;
                return;
            case Opcode.FieldAddr when op.OperandTypes[0].StackKind == StackKind.ByRef:
                // The address of a field of a green struct local (analysis rule 7): the field is resolved when linking.
                op.Green = GreenOperation.FieldAddress;
                return;
            case Opcode.LoadSlot or Opcode.SlotAddr:
                op.Green = GreenOperation.LoadSlot;
                return;
        }
        if ((instruction.Info.Flags & (OpcodeFlags.ReadsMemory | OpcodeFlags.WritesMemory | OpcodeFlags.Call)) != 0 || instruction.Operands.Count == 0)
        {
            CannotRun(op, $"{graph.Name}: '{instruction.Info.Name}' cannot run while specializing");
            return;
        }
        op.Green = PureOperation(graph, op, resultClass);
    }

    private static void CannotRun(ExtensionOp op, string message) => ExtensionLinker.CannotRun(op, message);

    private static void Constant(ExtensionOp op, RegisterClass resultClass, object? value) => ExtensionLinker.SetConstant(op, resultClass, value);

    /// <summary>The typed operation for a pure instruction, or <see cref="GreenOperation.Boxed"/> when the operand classes are not ones it covers.</summary>
    private static GreenOperation PureOperation(ExtensionGraph graph, ExtensionOp op, RegisterClass resultClass)
    {
        var opcode = op.Instruction.Opcode;
        var classes = op.Operands.Select(o => graph.Classes[o]).ToArray();
        var kinds = op.OperandTypes.Select(t => t.StackKind).ToArray();
        var resultKind = op.ResultType.StackKind;
        bool Ints(int count) => classes.Length == count && classes.All(c => c == RegisterClass.Int);
        bool Floats(int count) => classes.Length == count && classes.All(c => c == RegisterClass.Float);
        switch (opcode)
        {
            case Opcode.Ceq or Opcode.Cne or Opcode.CgtUn when op.OperandTypes[0].IsReference:
                return classes.Length == 2 && classes.All(c => c == RegisterClass.Ref) && resultClass == RegisterClass.Int ? GreenOperation.ReferenceCompare : GreenOperation.Boxed;
            case Opcode.Ceq or Opcode.Cne or Opcode.Clt or Opcode.Cle or Opcode.Cgt or Opcode.Cge
                or Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn when resultClass == RegisterClass.Int:
                op.Int32Operands = kinds.All(k => k == StackKind.Int32);
                return Ints(2) ? GreenOperation.IntegerCompare : Floats(2) ? GreenOperation.FloatCompare : GreenOperation.Boxed;
            case Opcode.Neg or Opcode.Not when Ints(1) && resultKind == kinds[0]:
                return GreenOperation.IntegerUnary;
            case Opcode.Neg when Floats(1) && resultClass == RegisterClass.Float:
                return GreenOperation.FloatNegate;
            case Opcode.CheckFinite when Floats(1) && resultClass == RegisterClass.Float:
                return GreenOperation.CheckFinite;
            case Opcode.Conv or Opcode.ConvUn or Opcode.ConvOvf or Opcode.ConvOvfUn when classes.Length == 1 && classes[0] != RegisterClass.Ref:
            {
                op.ConversionKind = ValueSemantics.ConversionKind(op.ResultType);
                bool toFloat = op.ConversionKind is TypeKind.F32 or TypeKind.F64;
                if (toFloat ? resultClass != RegisterClass.Float : resultClass != RegisterClass.Int) return GreenOperation.Boxed;
                op.Int32Operands = kinds[0] == StackKind.Int32;
                return (classes[0], toFloat) switch
                {
                    (RegisterClass.Int, false) => GreenOperation.IntegerToInteger,
                    (RegisterClass.Int, true) => GreenOperation.IntegerToFloat,
                    (_, false) => GreenOperation.FloatToInteger,
                    _ => GreenOperation.FloatToFloat,
                };
            }
            case Opcode.Shl or Opcode.Shr or Opcode.ShrUn when Ints(2) && kinds[1] is StackKind.Int32 or StackKind.NativeInt && resultKind == kinds[0]:
                return kinds[0] switch
                {
                    StackKind.Int32 => GreenOperation.Int32Shift,
                    StackKind.Int64 => GreenOperation.Int64Shift,
                    _ => GreenOperation.NativeShift,
                };
            case Opcode.Add or Opcode.Sub or Opcode.Mul or Opcode.Div or Opcode.DivUn or Opcode.Rem or Opcode.RemUn
                or Opcode.And or Opcode.Or or Opcode.Xor or Opcode.AddOvf or Opcode.AddOvfUn or Opcode.SubOvf or Opcode.SubOvfUn
                or Opcode.MulOvf or Opcode.MulOvfUn:
            {
                if (Floats(2) && resultClass == RegisterClass.Float && opcode is Opcode.Add or Opcode.Sub or Opcode.Mul or Opcode.Div or Opcode.Rem)
                    return GreenOperation.FloatArithmetic;
                if (!Ints(2)) return GreenOperation.Boxed;
                // As ValueSemantics: int64 if either is, else native int if either is, else int32.
                var width = kinds.Contains(StackKind.Int64) ? StackKind.Int64 : kinds.Contains(StackKind.NativeInt) ? StackKind.NativeInt : StackKind.Int32;
                if (resultKind != width) return GreenOperation.Boxed;
                return width == StackKind.Int32 ? GreenOperation.Int32Arithmetic : GreenOperation.Int64Arithmetic;
            }
            default:
                return GreenOperation.Boxed;
        }
    }
}
