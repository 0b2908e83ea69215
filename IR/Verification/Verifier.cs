using PeJit.IR.Graphs;
using PeJit.IR.Semantics;
using PeJit.IR;
using PeJit.IR.Text;

namespace PeJit.IR.Verification;

/// <summary>
/// Checks a flow graph's invariants and returns every violation (it never stops at the first, and never
/// throws on a malformed graph).
/// </summary>
/// <remarks>
/// Invariants:
/// 1. every block ends with exactly one terminator and has none before it;
/// 2. operands, targets, results and immediates are as the opcode table says (calls pass as many
///    arguments as the method takes; <c>ret</c> has a value exactly when the function returns one);
/// 3. every value used is defined exactly once, and its definition dominates the use (block parameters
///    dominate their block; within a block, definitions come before uses); dominance counts exceptional edges;
/// 4. a jump passes one argument per parameter of its target, of the same stack kind;
/// 5. the entry has no predecessors; handler and filter entries have none but exceptional ones, and take
///    the exception as their only parameter (catch and filter) or none (finally, fault); regions name valid
///    blocks and parents, without cycles;
/// 6. operand stack kinds fit the opcode: arithmetic on matching numbers, comparisons of like kinds, branch
///    and switch conditions of integer or reference kind, array operands references, stack-slot loads of
///    the slot's type, <c>allocate</c> of a class defining a value of that class. Generic parameters fit anything.
/// </remarks>
public static class Verifier
{
    /// <summary>Verifies <paramref name="graph"/>; an empty list means it is well formed.</summary>
    public static IReadOnlyList<VerifierError> Verify(FlowGraph graph)
    {
        var errors = new List<VerifierError>();
        try
        {
            Check(graph, errors);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or NullReferenceException or KeyNotFoundException)
        {
            errors.Add(new VerifierError(graph.Name, null, -1, "", SourceLocation.None, $"the graph is too malformed to check further ({e.Message})"));
        }
        return errors;
    }

    private static void Check(FlowGraph graph, List<VerifierError> errors)
    {
        void Report(Block? block, int index, Instruction? instruction, string message)
        {
            string text = "";
            if (instruction is not null)
            {
                try { text = IrPrinter.PrintInstruction(graph, instruction); }
                catch (Exception) { text = instruction.Info.Name; }
            }
            errors.Add(new VerifierError(graph.Name, block, index, text, instruction?.Location ?? SourceLocation.None, message));
        }

        if (graph.BlockCount == 0)
        {
            Report(null, -1, null, "the function has no blocks");
            return;
        }

        // Definitions: each value once, as a parameter or a result.
        // By value index: the defining block (-1 for none) and the position there (-1 for a parameter). Arrays, not a
        // dictionary over values and LINQ: tests verify every unit, and those generics would be compiled by .NET on the
        // first unit's path that FirstUnitDotnetJitTests counts (Docs/PERFORMANCE.md, warm-up).
        var definedBlock = new int[graph.ValueCount];
        var definedIndex = new int[graph.ValueCount];
        for (int v = 0; v < definedBlock.Length; v++) definedBlock[v] = -1;
        bool TryDefine(Value value, Block block, int index)
        {
            if (definedBlock[value.Index] >= 0) return false;
            (definedBlock[value.Index], definedIndex[value.Index]) = (block.Index, index);
            return true;
        }
        foreach (var block in graph.Blocks)
        {
            foreach (var parameter in graph[block].Parameters)
                if (!graph.IsValid(parameter)) Report(block, -1, null, $"parameter {parameter} is not a value of this graph");
                else if (!TryDefine(parameter, block, -1)) Report(block, -1, null, $"{parameter} is defined more than once");
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
                if (instructions[i].Result is { } result)
                {
                    if (!graph.IsValid(result)) Report(block, i, instructions[i], $"the result {result} is not a value of this graph");
                    else if (!TryDefine(result, block, i)) Report(block, i, instructions[i], $"{result} is defined more than once");
                }
        }

        // Predecessors, for the entry and handler rules.
        var predecessors = Predecessors.Compute(graph);
        if (predecessors.EdgesInto(FlowGraph.Entry).Count > 0) Report(FlowGraph.Entry, -1, null, "the entry block has predecessors; jump to a block after it instead");

        CheckRegions(graph, predecessors, Report);
        var dominators = Dominators.Compute(graph);

        foreach (var block in graph.Blocks)
        {
            var instructions = graph[block].Instructions;
            if (instructions.Count == 0)
            {
                Report(block, -1, null, "the block is empty; it needs a terminator");
                continue;
            }
            for (int i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                bool last = i == instructions.Count - 1;
                if (instruction.IsTerminator && !last) Report(block, i, instruction, "a terminator in the middle of the block");
                if (!instruction.IsTerminator && last) Report(block, i, instruction, "the block does not end with a terminator");
                CheckShape(graph, block, i, instruction, Report);
                foreach (var use in instruction.Operands) CheckUse(use, block, i, instruction);
                foreach (var target in instruction.TargetCalls)
                    foreach (var use in target.Arguments) CheckUse(use, block, i, instruction);
                foreach (var target in instruction.TargetCalls) CheckJump(graph, block, i, instruction, target, Report);
                CheckTypes(graph, block, i, instruction, Report);
            }
        }

        void CheckUse(Value use, Block block, int i, Instruction instruction)
        {
            if ((uint)use.Index >= (uint)definedBlock.Length || definedBlock[use.Index] < 0)
            {
                Report(block, i, instruction, $"{use} is used but never defined");
                return;
            }
            var definitionBlock = new Block(definedBlock[use.Index]);
            bool dominates = definitionBlock == block
                ? definedIndex[use.Index] < i
                : dominators.Dominates(definitionBlock, block);
            if (!dominates && dominators.IsReachable(block))
                Report(block, i, instruction, $"{use} is used where its definition in {definitionBlock} does not dominate");
        }
    }

    private static void CheckRegions(FlowGraph graph, Predecessors predecessors, Action<Block?, int, Instruction?, string> report)
    {
        foreach (var region in graph.Regions)
        {
            var data = graph[region];
            void Entry(Block? entry, bool takesException, string what)
            {
                if (entry is not { } block || !graph.IsValid(block))
                {
                    report(null, -1, null, $"{region}: its {what} block does not exist");
                    return;
                }
                if (predecessors.EdgesInto(block).Count > 0)
                    report(block, -1, null, $"the {what} entry of {region} is reached by ordinary jumps; only exceptions may enter it");
                int expected = takesException ? 1 : 0;
                if (graph[block].Parameters.Count != expected)
                    report(block, -1, null, $"the {what} entry of {region} must take {(takesException ? "the exception as its one parameter" : "no parameters")}");
            }
            Entry(data.Handler, data.Kind is RegionKind.Catch or RegionKind.Filter, "handler");
            if (data.Kind == RegionKind.Filter) Entry(data.Filter, true, "filter");
            if (data.Kind == RegionKind.Catch && data.CatchType is null) report(null, -1, null, $"{region}: a catch region needs a catch type");
            var seen = new HashSet<Region>();
            for (Region? r = region; r is { } current; r = graph[current].Parent)
            {
                if (current.Index < 0 || current.Index >= graph.Regions.Count())
                {
                    report(null, -1, null, $"{region}: its parent chain names {current}, which does not exist");
                    break;
                }
                if (!seen.Add(current))
                {
                    report(null, -1, null, $"{region}: its parent chain has a cycle");
                    break;
                }
            }
        }
    }

    private static void CheckShape(FlowGraph graph, Block block, int index, Instruction instruction, Action<Block?, int, Instruction?, string> report)
    {
        var info = instruction.Info;
        if (instruction.Opcode == Opcode.Return)
        {
            bool returnsValue = graph.ReturnType.Kind != TypeKind.Void;
            if (instruction.Operands.Count != (returnsValue ? 1 : 0))
                report(block, index, instruction, returnsValue ? "ret needs the value the function returns" : "ret of a void function takes no value");
        }
        else if (info.Arity < 0)
        {
            if (instruction.Method is { } method)
            {
                int expected = instruction.Opcode == Opcode.NewObject ? method.ParameterCount : method.ArgumentCount;
                if (instruction.Operands.Count != expected)
                    report(block, index, instruction, $"{info.Name} passes {instruction.Operands.Count} arguments; {method.Name} takes {expected}");
            }
        }
        else if (instruction.Operands.Count != info.Arity)
        {
            report(block, index, instruction, $"{info.Name} takes {info.Arity} operands, not {instruction.Operands.Count}");
        }
        if (info.Targets >= 0 && instruction.TargetCalls.Length != info.Targets)
            report(block, index, instruction, $"{info.Name} has {info.Targets} targets, not {instruction.TargetCalls.Length}");
        if (instruction.Opcode == Opcode.Switch && instruction.TargetCalls.Length < 1)
            report(block, index, instruction, "switch needs at least its default target");
        bool hasResult = instruction.Result is not null;
        switch (info.Result)
        {
            case ResultRule.Always when !hasResult: report(block, index, instruction, $"{info.Name} must define a value"); break;
            case ResultRule.None when hasResult: report(block, index, instruction, $"{info.Name} defines no value"); break;
            case ResultRule.Optional when hasResult && instruction.Method is { } m && m.FullName.StartsWith("System.Void ", StringComparison.Ordinal)
                && instruction.Opcode != Opcode.NewObject:
                report(block, index, instruction, $"{m.Name} returns void, so the call defines no value"); break;
        }
        var immediates = info.Immediates;
        if ((immediates & ImmediateKinds.Type) != 0 && instruction.TypeOperand is null) report(block, index, instruction, $"{info.Name} needs a type");
        if ((immediates & ImmediateKinds.Field) != 0 && instruction.Field is null) report(block, index, instruction, $"{info.Name} needs a field");
        if ((immediates & ImmediateKinds.Method) != 0 && instruction.Method is null) report(block, index, instruction, $"{info.Name} needs a method");
        if ((immediates & ImmediateKinds.Text) != 0 && instruction.Text is null) report(block, index, instruction, $"{info.Name} needs a string");
        if ((immediates & ImmediateKinds.Member) != 0 && instruction.TypeOperand is null && instruction.Field is null && instruction.Method is null)
            report(block, index, instruction, "token needs a type, field or method");
        if ((immediates & ImmediateKinds.Slot) != 0 && (instruction.Slot.Index < 0 || instruction.Slot.Index >= graph.SlotCount))
            report(block, index, instruction, $"{instruction.Slot} does not exist");
    }

    private static void CheckJump(FlowGraph graph, Block block, int index, Instruction instruction, BlockCall call,
        Action<Block?, int, Instruction?, string> report)
    {
        if (!graph.IsValid(call.Target))
        {
            report(block, index, instruction, $"{call.Target} does not exist");
            return;
        }
        if (call.Target == FlowGraph.Entry) return;
        var parameters = graph[call.Target].Parameters;
        if (parameters.Count != call.Arguments.Count)
        {
            report(block, index, instruction, $"{call.Target} takes {parameters.Count} arguments, the jump passes {call.Arguments.Count}");
            return;
        }
        for (int i = 0; i < parameters.Count; i++)
            if (graph.IsValid(call.Arguments[i]) && !Fits(graph.TypeOf(call.Arguments[i]), graph.TypeOf(parameters[i])))
                report(block, index, instruction, $"argument {i} of {call.Target} is {graph.TypeOf(call.Arguments[i])}, its parameter {graph.TypeOf(parameters[i])}");
    }

    private static bool Fits(IrType value, IrType target)
    {
        var (a, b) = (value.StackKind, target.StackKind);
        if (a == StackKind.Unknown || b == StackKind.Unknown) return true;
        if (a == b) return a != StackKind.ValueType || value == target;
        return (a, b) is (StackKind.Int32, StackKind.NativeInt) or (StackKind.NativeInt, StackKind.Int32)
            or (StackKind.Pointer, StackKind.NativeInt) or (StackKind.NativeInt, StackKind.Pointer)
            or (StackKind.ByRef, StackKind.Pointer) or (StackKind.Pointer, StackKind.ByRef);
    }

    private static void CheckTypes(FlowGraph graph, Block block, int index, Instruction instruction, Action<Block?, int, Instruction?, string> report)
    {
        foreach (var operand in instruction.Operands)
            if (!graph.IsValid(operand)) return;
        StackKind Kind(int i) => graph.TypeOf(instruction.Operands[i]).StackKind;
        bool IsInteger(StackKind k) => k is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt or StackKind.Unknown;
        switch (instruction.Opcode)
        {
            case Opcode.Add or Opcode.Sub or Opcode.Mul or Opcode.Div or Opcode.Rem or Opcode.AddOvf or Opcode.AddOvfUn
                or Opcode.SubOvf or Opcode.SubOvfUn or Opcode.MulOvf or Opcode.MulOvfUn or Opcode.MulHigh or Opcode.DivUn or Opcode.RemUn
                or Opcode.And or Opcode.Or or Opcode.Xor:
            {
                var (a, b) = (Kind(0), Kind(1));
                bool ok = a == StackKind.Unknown || b == StackKind.Unknown || a == b
                    || (a, b) is (StackKind.Int32, StackKind.NativeInt) or (StackKind.NativeInt, StackKind.Int32)
                    || (instruction.Opcode is Opcode.Add or Opcode.Sub or Opcode.AddOvfUn or Opcode.SubOvfUn
                        && (a is StackKind.ByRef or StackKind.Pointer || b is StackKind.ByRef or StackKind.Pointer));
                if (!ok || (a == StackKind.Float && instruction.Opcode is Opcode.And or Opcode.Or or Opcode.Xor or Opcode.MulHigh))
                    report(block, index, instruction, $"{instruction.Info.Name} of {a} and {b} operands");
                break;
            }
            case Opcode.Shl or Opcode.Shr or Opcode.ShrUn:
                if (!IsInteger(Kind(0)) || Kind(1) is not (StackKind.Int32 or StackKind.NativeInt or StackKind.Unknown))
                    report(block, index, instruction, $"{instruction.Info.Name} shifts an integer by an int32 or native int");
                break;
            case Opcode.Ceq or Opcode.Cne or Opcode.Clt or Opcode.Cle or Opcode.Cgt or Opcode.Cge
                or Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn:
            {
                var (a, b) = (Kind(0), Kind(1));
                bool ok = a == StackKind.Unknown || b == StackKind.Unknown || a == b
                    || (IsInteger(a) && IsInteger(b) && a != StackKind.Int64 && b != StackKind.Int64)
                    || (a is StackKind.ByRef or StackKind.Pointer or StackKind.NativeInt && b is StackKind.ByRef or StackKind.Pointer or StackKind.NativeInt);
                if (!ok) report(block, index, instruction, $"{instruction.Info.Name} compares {a} with {b}");
                break;
            }
            case Opcode.BrIf:
                if (Kind(0) is StackKind.Float or StackKind.ValueType or StackKind.Void)
                    report(block, index, instruction, $"brif on a {Kind(0)} value; compare it first");
                break;
            case Opcode.Switch:
                if (Kind(0) is not (StackKind.Int32 or StackKind.NativeInt or StackKind.Unknown))
                    report(block, index, instruction, $"switch on a {Kind(0)} value needs an int32");
                break;
            case Opcode.LoadElement or Opcode.StoreElement or Opcode.ElementAddr or Opcode.ArrayLength:
                if (Kind(0) is not (StackKind.Reference or StackKind.Unknown))
                    report(block, index, instruction, $"{instruction.Info.Name} of a {Kind(0)} value; it needs an array");
                if (instruction.Opcode != Opcode.ArrayLength && Kind(1) is not (StackKind.Int32 or StackKind.NativeInt or StackKind.Unknown))
                    report(block, index, instruction, $"{instruction.Info.Name} with a {Kind(1)} index");
                break;
            case Opcode.Allocate when instruction.TypeOperand is { } allocated:
                // Only a class: a value type has no object to allocate, an array needs its length (newarr).
                if (allocated.Kind != TypeKind.Class)
                    report(block, index, instruction, $"allocate of {allocated}, which is not a class; allocate makes objects of a class (newarr makes arrays, default a value type)");
                else if (instruction.Result is { } made && graph.TypeOf(made) != allocated)
                    report(block, index, instruction, $"allocate of {allocated} defines a {graph.TypeOf(made)}");
                break;
            case Opcode.LoadSlot when instruction.Result is { } result && graph.TypeOf(result) != graph[instruction.Slot].Type:
                report(block, index, instruction, $"ldslot of a {graph[instruction.Slot].Type} slot defines a {graph.TypeOf(result)}");
                break;
            case Opcode.LoadField or Opcode.StoreField or Opcode.FieldAddr:
                if (Kind(0) is not (StackKind.Reference or StackKind.ByRef or StackKind.Pointer or StackKind.ValueType or StackKind.Unknown or StackKind.NativeInt))
                    report(block, index, instruction, $"{instruction.Info.Name} of a {Kind(0)} value");
                break;
        }
    }
}
