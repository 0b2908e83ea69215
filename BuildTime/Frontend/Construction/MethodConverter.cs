using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;
using PeJit.IR;
using PeJit.IR.Transforms;
using CilInstruction = Mono.Cecil.Cil.Instruction;
using IrInstruction = PeJit.IR.Instruction;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Converts a method's CIL into a <see cref="FlowGraph"/>: the evaluation stack and the variables become SSA
/// values, joins become block parameters, exception clauses become regions. A method with a construct the
/// IR cannot express becomes opaque with the reason, never an exception.
/// </summary>
/// <remarks>
/// Strategy (one method at a time):
/// 1. split the body into basic blocks and map exception clauses (<see cref="ILControlFlow"/>);
/// 2. decide which variables stay in stack slots and compute liveness (<see cref="VariableAnalysis"/>);
/// 3. walk the blocks in reverse post-order carrying an abstract state (current SSA value of each
///    variable, the evaluation stack). A block with one ordinary predecessor inherits its state; any other
///    block (a join) gets one parameter per stack entry and per live SSA variable, created at the first
///    jump to it. Handlers start from the state at the entry of their try range, plus the exception;
/// 4. give merged stack parameters a common type, drop parameters every jump passes the same value to
///    (<see cref="TrivialParameters"/>), and number values densely.
/// Step 3 translates each instruction in <c>MethodConverter.Instructions.cs</c>, which hands it to the file of
/// its family: <c>.Variables</c>, <c>.Arithmetic</c>, <c>.ControlFlow</c>, <c>.Memory</c>, <c>.CallsAndObjects</c>.
/// </remarks>
public sealed partial class MethodConverter
{
    private readonly TypeMapper types;
    // Shared by every graph this converter makes, as the types are: a field or method named in many bodies
    // (and a method's own name, which calls of it repeat) is one immutable object, not one per instruction.
    // The binding-time analysis keeps every graph it converts until it ends, and a JIT runtime keeps them
    // as long as the portal.
    private readonly Dictionary<string, FieldRef> fields = [];
    private readonly Dictionary<(string, bool), MethodRef> methods = [];

    /// <summary>Creates a converter sharing a type cache across methods.</summary>
    public MethodConverter(TypeMapper? types = null) => this.types = types ?? new TypeMapper();

    /// <summary>The type mapper in use.</summary>
    public TypeMapper Types => types;

    /// <summary>Converts <paramref name="method"/>, which must have a body.</summary>
    public ConversionResult Convert(MethodDefinition method)
    {
        if (!method.HasBody)
            return ConversionResult.Opaque(method, "the method has no body (abstract, extern or runtime-implemented)");
        try
        {
            var graph = new Conversion(method, this).Run();
            return ConversionResult.Success(method, graph);
        }
        catch (UnsupportedConstructException e)
        {
            var (line, document) = LineOf(method, e.ILOffset);
            return ConversionResult.Opaque(method, e.Message, new SourceLocation(e.ILOffset, line), document, e.Advice);
        }
    }

    /// <summary>The source line (and its file) of the instruction at <paramref name="ilOffset"/>: that of the last sequence point at or before it.</summary>
    private static (int Line, string? Document) LineOf(MethodDefinition method, int ilOffset)
    {
        if (ilOffset < 0 || !method.DebugInformation.HasSequencePoints) return (0, null);
        var point = method.DebugInformation.SequencePoints.Where(p => p.Offset <= ilOffset && !p.IsHidden).MaxBy(p => p.Offset);
        return point is null ? (0, null) : (point.StartLine, point.Document?.Url);
    }

    private FieldRef FieldOf(FieldReference field)
    {
        string name = field.FullName;
        if (!fields.TryGetValue(name, out var known)) fields[name] = known = FieldRef.From(field);
        return known;
    }

    private MethodRef MethodOf(MethodReference method)
    {
        var key = (method.FullName, method.HasThis);
        if (!methods.TryGetValue(key, out var known)) methods[key] = known = MethodRef.From(method);
        return known;
    }

    /// <summary>One stack entry: a value and the variable it was loaded from directly, if any.</summary>
    private readonly record struct StackEntry(Value Value, string? Variable);

    /// <summary>The abstract state flowing along an edge: each variable's current value and the stack.</summary>
    private sealed record State(Value?[] Variables, List<StackEntry> Stack)
    {
        public State Copy() => new((Value?[])Variables.Clone(), [.. Stack]);
    }

    private sealed partial class Conversion
    {
        private readonly MethodDefinition method;
        // Read once: callers may let the method's body go once it is converted, and read it again.
        private readonly MethodBody body;
        private readonly MethodConverter converter;
        private readonly TypeMapper types;
        private readonly FlowGraph graph;
        private readonly ILControlFlow flow;
        private readonly VariableAnalysis variables;
        private readonly Block[] irBlock;
        private readonly bool[] isJoin;
        private readonly bool[] reachable;
        private readonly int[] joinStackDepth;
        private readonly List<int>?[] joinVariables;
        private readonly State?[] pendingState;
        private readonly State?[] entryState;
        private readonly List<BlockCall>[] incoming;
        private readonly Slot[] slotOf;
        private readonly string?[] variableNames;
        private readonly IrType[] variableTypes;
        private readonly int[] lineOf;
        private Block current;
        private State state = null!;
        private SourceLocation location = SourceLocation.None;
        private TypeReference? constrained;

        public Conversion(MethodDefinition method, MethodConverter converter)
        {
            this.method = method;
            this.converter = converter;
            types = converter.types;
            body = method.Body;
            body.SimplifyMacros();
            flow = ILControlFlow.Build(body);
            variables = VariableAnalysis.Run(method, flow);
            graph = new FlowGraph(converter.MethodOf(method).FullName, types.Map(method.ReturnType)) { Method = method };
            int n = flow.Blocks.Count;
            irBlock = new Block[n];
            isJoin = new bool[n];
            reachable = new bool[n];
            joinStackDepth = Enumerable.Repeat(-1, n).ToArray();
            joinVariables = new List<int>?[n];
            pendingState = new State?[n];
            entryState = new State?[n];
            incoming = new List<BlockCall>[graph.BlockCount + n + 1];
            slotOf = new Slot[variables.Count];
            variableNames = new string?[variables.Count];
            variableTypes = new IrType[variables.Count];
            lineOf = SourceLines();
        }

        public FlowGraph Run()
        {
            DescribeVariables();
            var order = ReversePostOrder();
            CreateBlocks(order);
            EmitEntry();
            foreach (int b in order) Translate(b);
            MergeStackParameterTypes();
            TrivialParameters.Remove(graph);
            graph.Compact();
            return graph;
        }

        // ---- setup -------------------------------------------------------------------------------

        private void DescribeVariables()
        {
            int argument = 0;
            if (method.HasThis)
            {
                variableNames[0] = "this";
                var declaring = method.DeclaringType.HasGenericParameters
                    ? method.DeclaringType.MakeGenericInstanceType([.. method.DeclaringType.GenericParameters])
                    : (TypeReference)method.DeclaringType;
                variableTypes[0] = declaring.IsValueType ? IrType.ByRef(types.Map(declaring)) : types.Map(declaring);
                argument = 1;
            }
            foreach (var parameter in method.Parameters)
            {
                variableNames[argument] = string.IsNullOrEmpty(parameter.Name) ? null : parameter.Name;
                variableTypes[argument] = types.Map(parameter.ParameterType);
                argument++;
            }
            foreach (var local in body.Variables)
            {
                int index = variables.ArgumentCount + local.Index;
                variableNames[index] = method.DebugInformation.TryGetName(local, out var name) ? name : null;
                variableTypes[index] = types.Map(local.VariableType);
            }
            for (int v = 0; v < variables.Count; v++)
                if (variables.IsSlot[v]) slotOf[v] = graph.AddSlot(variableTypes[v], variableNames[v]);
        }

        private int[] SourceLines()
        {
            var lines = new int[body.Instructions.Count];
            if (!method.DebugInformation.HasSequencePoints) return lines;
            var points = method.DebugInformation.SequencePoints.OrderBy(p => p.Offset).ToList();
            graph.SourceDocument = points.FirstOrDefault(p => !p.IsHidden)?.Document?.Url;
            int next = 0, line = 0;
            for (int i = 0; i < lines.Length; i++)
            {
                int offset = body.Instructions[i].Offset;
                while (next < points.Count && points[next].Offset <= offset)
                {
                    line = points[next].IsHidden ? 0 : points[next].StartLine;
                    next++;
                }
                lines[i] = line;
            }
            return lines;
        }

        private List<int> ReversePostOrder()
        {
            var post = new List<int>();
            var visited = new bool[flow.Blocks.Count];
            // Iterative DFS: bodies of generated code can be deep enough to overflow a recursive one.
            var stack = new Stack<(int Block, int Next)>();
            if (flow.Blocks.Count == 0) return post;
            stack.Push((0, 0));
            visited[0] = true;
            while (stack.Count > 0)
            {
                var (b, next) = stack.Pop();
                var block = flow.Blocks[b];
                // Indexed in place, not copied: a switch block is popped once per case, so copying its
                // successors each time would make a large switch cost the square of its case count.
                int ordinary = block.Successors.Count;
                if (next < ordinary + block.ExceptionalSuccessors.Count)
                {
                    stack.Push((b, next + 1));
                    int s = next < ordinary ? block.Successors[next] : block.ExceptionalSuccessors[next - ordinary];
                    if (!visited[s])
                    {
                        visited[s] = true;
                        stack.Push((s, 0));
                    }
                }
                else
                {
                    post.Add(b);
                }
            }
            post.Reverse();
            foreach (int b in post) reachable[b] = true;
            return post;
        }

        private void CreateBlocks(List<int> order)
        {
            var entry = graph.AddBlock();
            foreach (var block in flow.Blocks)
            {
                if (!reachable[block.Index]) continue;
                int predecessors = block.Predecessors.Count(p => reachable[p]);
                // The first block is a join when something jumps to it, or when it holds a Jit.MergePoint (a function
                // portal's, outside any loop): the merge block then has parameters, and a portal's woven entry and its
                // reload after an exit jump to it, which the entry block cannot be.
                isJoin[block.Index] = !block.IsHandlerOrFilterEntry && (block.Index == 0 ? predecessors > 0 || HoldsMergePoint(block) : predecessors != 1);
                irBlock[block.Index] = block.Index == 0 && !isJoin[0] ? entry : graph.AddBlock();
                var data = graph[irBlock[block.Index]];
                if (block.TryClause >= 0) data.Try = new Region(block.TryClause);
                if (block.HandlerClause >= 0) data.HandlerOf = new Region(block.HandlerClause);
            }
            for (int c = 0; c < flow.Clauses.Count; c++)
            {
                var clause = flow.Clauses[c];
                graph.AddRegion(new RegionData
                {
                    Kind = clause.HandlerType switch
                    {
                        ExceptionHandlerType.Catch => RegionKind.Catch,
                        ExceptionHandlerType.Filter => RegionKind.Filter,
                        ExceptionHandlerType.Finally => RegionKind.Finally,
                        _ => RegionKind.Fault,
                    },
                    CatchType = clause.HandlerType == ExceptionHandlerType.Catch ? types.Map(clause.CatchType) : null,
                    Handler = irBlock[flow.HandlerEntry[c]],
                    Filter = flow.FilterEntry[c] >= 0 ? irBlock[flow.FilterEntry[c]] : null,
                    Parent = flow.ClauseParent[c] >= 0 ? new Region(flow.ClauseParent[c]) : null,
                });
            }
            for (int i = 0; i < incoming.Length; i++) incoming[i] = [];
        }

        private bool HoldsMergePoint(ILBlock block)
        {
            for (int i = block.First; i <= block.Last; i++)
                if (HintCalls.IsCallOf(flow.Instructions[i], HintNames.MergePoint)) return true;
            return false;
        }

        private void EmitEntry()
        {
            current = FlowGraph.Entry;
            var values = new Value?[variables.Count];
            for (int a = 0; a < variables.ArgumentCount; a++)
            {
                var parameter = graph.AddParameter(current, variableTypes[a], variableNames[a]);
                if (variables.IsSlot[a]) Emit(new IrInstruction(Opcode.StoreSlot, parameter) { Slot = slotOf[a] });
                else values[a] = parameter;
            }
            if (flow.Blocks.Count == 0) throw new UnsupportedConstructException("the method body is empty", -1);
            for (int v = variables.ArgumentCount; v < variables.Count; v++)
                if (!variables.IsSlot[v] && variables.LiveIn[0][v])
                    values[v] = Emit(new IrInstruction(Opcode.Default) { TypeOperand = variableTypes[v] }, variableTypes[v], variableNames[v]);
            state = new State(values, []);
            if (isJoin[0]) Emit(new IrInstruction(Opcode.Jump) { Targets = { EdgeTo(0) } });
            else pendingState[0] = state;
        }

        // ---- blocks and edges ------------------------------------------------------------------

        private void Translate(int b)
        {
            var block = flow.Blocks[b];
            current = irBlock[b];
            state = EntryStateOf(block);
            entryState[b] = state.Copy();
            for (int i = block.First; i <= block.Last; i++)
            {
                var instruction = flow.Instructions[i];
                location = new SourceLocation(instruction.Offset, lineOf[i]);
                TranslateInstruction(instruction, i);
            }
            var last = flow.Instructions[block.Last];
            if (ILControlFlow.FallsThrough(last) && last.OpCode.FlowControl != FlowControl.Cond_Branch)
            {
                if (block.Index + 1 >= flow.Blocks.Count)
                    throw new UnsupportedConstructException("control falls off the end of the method", last.Offset);
                Emit(new IrInstruction(Opcode.Jump) { Targets = { EdgeTo(block.Index + 1) } });
            }
        }

        private State EntryStateOf(ILBlock block)
        {
            int b = block.Index;
            if (block.IsHandlerOrFilterEntry)
            {
                int clause = block.HandlerEntryOf >= 0 ? block.HandlerEntryOf : block.FilterEntryOf;
                var tryState = entryState[flow.TryEntry[clause]]
                    ?? throw new UnsupportedConstructException("a handler is reachable but its try block is not", Offset(block));
                var entry = new State((Value?[])tryState.Variables.Clone(), []);
                var kind = flow.Clauses[clause].HandlerType;
                if (kind is ExceptionHandlerType.Catch or ExceptionHandlerType.Filter)
                {
                    var exceptionType = kind == ExceptionHandlerType.Catch && block.FilterEntryOf < 0
                        ? types.Map(flow.Clauses[clause].CatchType)
                        : IrType.Object;
                    entry.Stack.Add(new StackEntry(graph.AddParameter(current, exceptionType, "exception"), null));
                }
                return entry;
            }
            if (!isJoin[b])
                return pendingState[b] ?? throw new UnsupportedConstructException("a block is reached before its only predecessor", Offset(block));
            var values = new Value?[variables.Count];
            var parameters = graph[current].Parameters;
            var stack = new List<StackEntry>();
            for (int k = 0; k < joinStackDepth[b]; k++) stack.Add(new StackEntry(parameters[k], null));
            var live = joinVariables[b]!;
            for (int k = 0; k < live.Count; k++) values[live[k]] = parameters[joinStackDepth[b] + k];
            return new State(values, stack);
        }

        /// <summary>The edge from the current block to IL block <paramref name="target"/>, carrying the current state.</summary>
        private BlockCall EdgeTo(int target)
        {
            if (!isJoin[target])
            {
                pendingState[target] = state.Copy();
                var plain = new BlockCall(irBlock[target], []);
                incoming[irBlock[target].Index].Add(plain);
                return plain;
            }
            var block = irBlock[target];
            if (joinStackDepth[target] < 0)
            {
                joinStackDepth[target] = state.Stack.Count;
                foreach (var entry in state.Stack) graph.AddParameter(block, graph.TypeOf(entry.Value));
                var live = new List<int>();
                for (int v = 0; v < variables.Count; v++)
                    if (!variables.IsSlot[v] && variables.LiveIn[target][v])
                    {
                        live.Add(v);
                        graph.AddParameter(block, variableTypes[v], variableNames[v]);
                    }
                joinVariables[target] = live;
            }
            else if (joinStackDepth[target] != state.Stack.Count)
            {
                throw new UnsupportedConstructException(
                    $"the evaluation stack has {state.Stack.Count} entries on one edge into IL_{Offset(flow.Blocks[target]):x4} and {joinStackDepth[target]} on another (invalid IL)",
                    location.ILOffset);
            }
            var arguments = state.Stack.Select(e => e.Value).ToList();
            foreach (int v in joinVariables[target]!)
                arguments.Add(state.Variables[v] ?? throw new UnsupportedConstructException(
                    $"variable {VariableName(v)} may be read before it is assigned", location.ILOffset));
            var call = new BlockCall(block, arguments);
            incoming[block.Index].Add(call);
            return call;
        }

        private int Offset(ILBlock block) => flow.Instructions[block.First].Offset;

        private string VariableName(int v) =>
            variableNames[v] ?? (v < variables.ArgumentCount ? $"argument {v}" : $"local {v - variables.ArgumentCount}");

        // ---- emitting ------------------------------------------------------------------------------

        private Value Emit(IrInstruction instruction, IrType resultType, string? name = null)
        {
            instruction.Location = location;
            graph.Append(current, instruction, resultType, name);
            return instruction.Result!.Value;
        }

        private void Emit(IrInstruction instruction)
        {
            instruction.Location = location;
            graph.Append(current, instruction);
        }

        private void Push(Value value, string? variable = null) => state.Stack.Add(new StackEntry(value, variable));

        private Value Pop() => PopEntry().Value;

        private StackEntry PopEntry()
        {
            if (state.Stack.Count == 0)
                throw new UnsupportedConstructException("the evaluation stack is empty where a value is needed (invalid IL)", location.ILOffset);
            var top = state.Stack[^1];
            state.Stack.RemoveAt(state.Stack.Count - 1);
            return top;
        }

        private Value[] Pop(int count)
        {
            var values = new Value[count];
            for (int i = count - 1; i >= 0; i--) values[i] = Pop();
            return values;
        }

        private IrType TypeOf(Value value) => graph.TypeOf(value);

        private Value PushNew(Opcode opcode, IrType type, params Value[] operands)
        {
            var value = Emit(new IrInstruction(opcode, operands), type);
            Push(value);
            return value;
        }

        /// <summary>
        /// The implicit conversions CIL performs when a stack value is stored to a location of another type
        /// (ECMA-335 §III.1.6): float precision changes and int32/native int truncation or extension.
        /// </summary>
        private Value Coerce(Value value, IrType target)
        {
            var source = TypeOf(value);
            var from = source.StackKind;
            var to = target.StackKind;
            bool needs = (from == StackKind.Float && to == StackKind.Float && source.Kind != target.Kind)
                || (from == StackKind.NativeInt && to == StackKind.Int32)
                || (from == StackKind.Int32 && to == StackKind.NativeInt);
            if (!needs) return value;
            var conversion = target.Kind == TypeKind.Enum ? target.Element! : target;
            return Emit(new IrInstruction(Opcode.Conv, value), conversion);
        }

        // ---- clean-up ------------------------------------------------------------------------------

        /// <summary>
        /// A stack parameter was typed by the first jump to its block; where jumps pass values of different
        /// types, give it a type all of them fit: int32 for mixed small integers, the nearest common base
        /// class for references (a null constant fits any).
        /// </summary>
        private void MergeStackParameterTypes()
        {
            for (int b = 0; b < flow.Blocks.Count; b++)
            {
                if (!isJoin[b] || joinStackDepth[b] <= 0) continue;
                var block = irBlock[b];
                for (int k = 0; k < joinStackDepth[b]; k++)
                {
                    var parameter = graph[block].Parameters[k];
                    var argumentTypes = incoming[block.Index]
                        .Select(call => call.Arguments[k])
                        .Where(v => graph[v].DefiningInstruction?.Opcode != Opcode.Null)
                        .Select(TypeOf).Distinct().ToList();
                    if (argumentTypes.Count <= 1)
                    {
                        if (argumentTypes.Count == 1) graph[parameter].Type = argumentTypes[0];
                        continue;
                    }
                    if (argumentTypes.All(t => t.StackKind == StackKind.Int32)) graph[parameter].Type = IrType.I32;
                    else if (argumentTypes.All(t => t.IsReference)) graph[parameter].Type = TypeUtilities.CommonBase(argumentTypes, types);
                }
            }
        }
    }
}
