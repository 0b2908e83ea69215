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
/// 1. split the body into basic blocks and map exception clauses (<see cref="IlControlFlow"/>);
/// 2. decide which variables stay in stack slots and compute liveness (<see cref="VariableAnalysis"/>);
/// 3. walk the blocks in reverse post-order carrying an abstract state (current SSA value of each
///    variable, the evaluation stack). A block with one ordinary predecessor inherits its state; any other
///    block (a join) gets one parameter per stack entry and per live SSA variable, created at the first
///    jump to it. Handlers start from the state at the entry of their try range, plus the exception;
/// 4. give merged stack parameters a common type, drop parameters every jump passes the same value to
///    (<see cref="TrivialParameters"/>), and number values densely.
/// </remarks>
public sealed class MethodConverter
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
            string where = e.ILOffset >= 0 ? $" at IL_{e.ILOffset:x4}" : "";
            return ConversionResult.Opaque(method, e.Message + where);
        }
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

    private sealed class Conversion
    {
        private readonly MethodDefinition method;
        // Read once: callers may let the method's body go once it is converted, and read it again.
        private readonly MethodBody body;
        private readonly MethodConverter converter;
        private readonly TypeMapper types;
        private readonly FlowGraph graph;
        private readonly IlControlFlow flow;
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
            flow = IlControlFlow.Build(body);
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
                isJoin[block.Index] = !block.IsHandlerOrFilterEntry && (block.Index == 0 ? predecessors > 0 : predecessors != 1);
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
            if (IlControlFlow.FallsThrough(last) && last.OpCode.FlowControl != FlowControl.Cond_Branch)
            {
                if (block.Index + 1 >= flow.Blocks.Count)
                    throw new UnsupportedConstructException("control falls off the end of the method", last.Offset);
                Emit(new IrInstruction(Opcode.Jump) { Targets = { EdgeTo(block.Index + 1) } });
            }
        }

        private State EntryStateOf(IlBlock block)
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

        private int Offset(IlBlock block) => flow.Instructions[block.First].Offset;

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

        // ---- instructions --------------------------------------------------------------------------

        private void TranslateInstruction(CilInstruction instruction, int index)
        {
            var code = instruction.OpCode.Code;
            if (code != Code.Constrained && code is not (Code.Callvirt or Code.Call) && constrained is not null && code is not (Code.Volatile or Code.Unaligned or Code.Readonly or Code.Tail or Code.No))
                constrained = null;
            switch (code)
            {
                case Code.Nop or Code.Break or Code.Volatile or Code.Unaligned or Code.Tail or Code.Readonly or Code.No:
                    return;
                case Code.Constrained:
                    constrained = (TypeReference)instruction.Operand;
                    return;

                case Code.Ldarg or Code.Ldloc:
                {
                    int v = VariableAnalysis.VariableOf(method, instruction);
                    if (variables.IsSlot[v])
                        Push(Emit(new IrInstruction(Opcode.LoadSlot) { Slot = slotOf[v] }, variableTypes[v]), variableNames[v]);
                    else
                        Push(state.Variables[v] ?? throw new UnsupportedConstructException(
                            $"variable {VariableName(v)} may be read before it is assigned", instruction.Offset), variableNames[v]);
                    return;
                }
                case Code.Starg or Code.Stloc:
                {
                    int v = VariableAnalysis.VariableOf(method, instruction);
                    var value = Coerce(Pop(), variableTypes[v]);
                    if (variables.IsSlot[v])
                    {
                        Emit(new IrInstruction(Opcode.StoreSlot, value) { Slot = slotOf[v] });
                    }
                    else
                    {
                        var data = graph[value];
                        if (data.Name is null && data.DefiningInstruction is not null) data.Name = variableNames[v];
                        state.Variables[v] = value;
                    }
                    return;
                }
                case Code.Ldarga or Code.Ldloca:
                {
                    int v = VariableAnalysis.VariableOf(method, instruction);
                    PushNew(Opcode.SlotAddr, IrType.ByRef(variableTypes[v]));
                    graph[state.Stack[^1].Value].DefiningInstruction!.Slot = slotOf[v];
                    return;
                }

                case Code.Ldnull: PushNew(Opcode.Null, IrType.Object); return;
                case Code.Ldc_I4: Push(Emit(new IrInstruction(Opcode.Const) { Integer = (int)instruction.Operand }, IrType.I32)); return;
                case Code.Ldc_I8: Push(Emit(new IrInstruction(Opcode.Const) { Integer = (long)instruction.Operand }, IrType.I64)); return;
                case Code.Ldc_R4: Push(Emit(new IrInstruction(Opcode.Const) { Float = (float)instruction.Operand }, IrType.F32)); return;
                case Code.Ldc_R8: Push(Emit(new IrInstruction(Opcode.Const) { Float = (double)instruction.Operand }, IrType.F64)); return;
                case Code.Ldstr: Push(Emit(new IrInstruction(Opcode.String) { Text = (string)instruction.Operand }, IrType.String)); return;
                case Code.Dup:
                {
                    var top = PopEntry();
                    state.Stack.Add(top);
                    state.Stack.Add(top);
                    return;
                }
                case Code.Pop: Pop(); return;

                case Code.Add: Binary(Opcode.Add); return;
                case Code.Sub: Binary(Opcode.Sub); return;
                case Code.Mul: Binary(Opcode.Mul); return;
                case Code.Div: Binary(Opcode.Div); return;
                case Code.Div_Un: Binary(Opcode.DivUn); return;
                case Code.Rem: Binary(Opcode.Rem); return;
                case Code.Rem_Un: Binary(Opcode.RemUn); return;
                case Code.And: Binary(Opcode.And); return;
                case Code.Or: Binary(Opcode.Or); return;
                case Code.Xor: Binary(Opcode.Xor); return;
                case Code.Shl: Shift(Opcode.Shl); return;
                case Code.Shr: Shift(Opcode.Shr); return;
                case Code.Shr_Un: Shift(Opcode.ShrUn); return;
                case Code.Add_Ovf: Binary(Opcode.AddOvf); return;
                case Code.Add_Ovf_Un: Binary(Opcode.AddOvfUn); return;
                case Code.Sub_Ovf: Binary(Opcode.SubOvf); return;
                case Code.Sub_Ovf_Un: Binary(Opcode.SubOvfUn); return;
                case Code.Mul_Ovf: Binary(Opcode.MulOvf); return;
                case Code.Mul_Ovf_Un: Binary(Opcode.MulOvfUn); return;
                case Code.Neg: { var a = Pop(); PushNew(Opcode.Neg, Normalize(TypeOf(a)), a); return; }
                case Code.Not: { var a = Pop(); PushNew(Opcode.Not, Normalize(TypeOf(a)), a); return; }
                case Code.Ckfinite: { var a = Pop(); PushNew(Opcode.CheckFinite, TypeOf(a), a); return; }

                case Code.Ceq: Compare(Opcode.Ceq); return;
                case Code.Cgt: Compare(Opcode.Cgt); return;
                case Code.Cgt_Un: Compare(Opcode.CgtUn); return;
                case Code.Clt: Compare(Opcode.Clt); return;
                case Code.Clt_Un: Compare(Opcode.CltUn); return;

                case Code.Conv_I1: Convert(Opcode.Conv, IrType.I8); return;
                case Code.Conv_I2: Convert(Opcode.Conv, IrType.I16); return;
                case Code.Conv_I4: Convert(Opcode.Conv, IrType.I32); return;
                case Code.Conv_I8: Convert(Opcode.Conv, IrType.I64); return;
                case Code.Conv_U1: Convert(Opcode.Conv, IrType.U8); return;
                case Code.Conv_U2: Convert(Opcode.Conv, IrType.U16); return;
                case Code.Conv_U4: Convert(Opcode.Conv, IrType.U32); return;
                case Code.Conv_U8: Convert(Opcode.Conv, IrType.U64); return;
                case Code.Conv_I: Convert(Opcode.Conv, IrType.NInt); return;
                case Code.Conv_U: Convert(Opcode.Conv, IrType.NUInt); return;
                case Code.Conv_R4: Convert(Opcode.Conv, IrType.F32); return;
                case Code.Conv_R8: Convert(Opcode.Conv, IrType.F64); return;
                case Code.Conv_R_Un: Convert(Opcode.ConvUn, IrType.F64); return;
                case Code.Conv_Ovf_I1: Convert(Opcode.ConvOvf, IrType.I8); return;
                case Code.Conv_Ovf_I2: Convert(Opcode.ConvOvf, IrType.I16); return;
                case Code.Conv_Ovf_I4: Convert(Opcode.ConvOvf, IrType.I32); return;
                case Code.Conv_Ovf_I8: Convert(Opcode.ConvOvf, IrType.I64); return;
                case Code.Conv_Ovf_U1: Convert(Opcode.ConvOvf, IrType.U8); return;
                case Code.Conv_Ovf_U2: Convert(Opcode.ConvOvf, IrType.U16); return;
                case Code.Conv_Ovf_U4: Convert(Opcode.ConvOvf, IrType.U32); return;
                case Code.Conv_Ovf_U8: Convert(Opcode.ConvOvf, IrType.U64); return;
                case Code.Conv_Ovf_I: Convert(Opcode.ConvOvf, IrType.NInt); return;
                case Code.Conv_Ovf_U: Convert(Opcode.ConvOvf, IrType.NUInt); return;
                case Code.Conv_Ovf_I1_Un: Convert(Opcode.ConvOvfUn, IrType.I8); return;
                case Code.Conv_Ovf_I2_Un: Convert(Opcode.ConvOvfUn, IrType.I16); return;
                case Code.Conv_Ovf_I4_Un: Convert(Opcode.ConvOvfUn, IrType.I32); return;
                case Code.Conv_Ovf_I8_Un: Convert(Opcode.ConvOvfUn, IrType.I64); return;
                case Code.Conv_Ovf_U1_Un: Convert(Opcode.ConvOvfUn, IrType.U8); return;
                case Code.Conv_Ovf_U2_Un: Convert(Opcode.ConvOvfUn, IrType.U16); return;
                case Code.Conv_Ovf_U4_Un: Convert(Opcode.ConvOvfUn, IrType.U32); return;
                case Code.Conv_Ovf_U8_Un: Convert(Opcode.ConvOvfUn, IrType.U64); return;
                case Code.Conv_Ovf_I_Un: Convert(Opcode.ConvOvfUn, IrType.NInt); return;
                case Code.Conv_Ovf_U_Un: Convert(Opcode.ConvOvfUn, IrType.NUInt); return;

                case Code.Br: Emit(new IrInstruction(Opcode.Jump) { Targets = { EdgeTo(flow.BlockAt((CilInstruction)instruction.Operand)) } }); return;
                case Code.Leave:
                    state.Stack.Clear();
                    Emit(new IrInstruction(Opcode.Leave) { Targets = { EdgeTo(flow.BlockAt((CilInstruction)instruction.Operand)) } });
                    return;
                case Code.Brtrue: Branch(Pop(), instruction, index, jumpWhenTrue: true); return;
                case Code.Brfalse: Branch(Pop(), instruction, index, jumpWhenTrue: false); return;
                case Code.Beq: CompareAndBranch(Opcode.Ceq, instruction, index); return;
                case Code.Bne_Un: CompareAndBranch(Opcode.Cne, instruction, index); return;
                case Code.Bge: CompareAndBranch(Opcode.Cge, instruction, index); return;
                case Code.Bge_Un: CompareAndBranch(Opcode.CgeUn, instruction, index); return;
                case Code.Bgt: CompareAndBranch(Opcode.Cgt, instruction, index); return;
                case Code.Bgt_Un: CompareAndBranch(Opcode.CgtUn, instruction, index); return;
                case Code.Ble: CompareAndBranch(Opcode.Cle, instruction, index); return;
                case Code.Ble_Un: CompareAndBranch(Opcode.CleUn, instruction, index); return;
                case Code.Blt: CompareAndBranch(Opcode.Clt, instruction, index); return;
                case Code.Blt_Un: CompareAndBranch(Opcode.CltUn, instruction, index); return;
                case Code.Switch:
                {
                    var selector = Pop();
                    var jump = new IrInstruction(Opcode.Switch, selector);
                    foreach (var target in (CilInstruction[])instruction.Operand) jump.Targets.Add(EdgeTo(flow.BlockAt(target)));
                    jump.Targets.Add(EdgeTo(FallThrough(index, instruction)));
                    Emit(jump);
                    return;
                }
                case Code.Ret:
                    if (graph.ReturnType.Kind == TypeKind.Void) Emit(new IrInstruction(Opcode.Return));
                    else Emit(new IrInstruction(Opcode.Return, Coerce(Pop(), graph.ReturnType)));
                    return;
                case Code.Throw: Emit(new IrInstruction(Opcode.Throw, Pop())); return;
                case Code.Rethrow: Emit(new IrInstruction(Opcode.Rethrow)); return;
                case Code.Endfinally: Emit(new IrInstruction(Opcode.EndFinally)); return;
                case Code.Endfilter: Emit(new IrInstruction(Opcode.EndFilter, Pop())); return;

                case Code.Call or Code.Callvirt or Code.Newobj: Call(instruction); return;
                case Code.Ldftn:
                    Push(Emit(new IrInstruction(Opcode.LoadFunction) { Method = converter.MethodOf((MethodReference)instruction.Operand) }, IrType.NInt));
                    return;
                case Code.Ldvirtftn:
                    Push(Emit(new IrInstruction(Opcode.LoadVirtualFunction, Pop()) { Method = converter.MethodOf((MethodReference)instruction.Operand) }, IrType.NInt));
                    return;

                case Code.Ldfld:
                {
                    var field = (FieldReference)instruction.Operand;
                    var target = Pop();
                    Push(Emit(new IrInstruction(Opcode.LoadField, target) { Field = converter.FieldOf(field) }, types.Map(GenericSubstitution.FieldType(field))));
                    return;
                }
                case Code.Stfld:
                {
                    var field = (FieldReference)instruction.Operand;
                    var value = Coerce(Pop(), types.Map(GenericSubstitution.FieldType(field)));
                    var target = Pop();
                    Emit(new IrInstruction(Opcode.StoreField, target, value) { Field = converter.FieldOf(field) });
                    return;
                }
                case Code.Ldflda:
                {
                    var field = (FieldReference)instruction.Operand;
                    var target = Pop();
                    Push(Emit(new IrInstruction(Opcode.FieldAddr, target) { Field = converter.FieldOf(field) }, IrType.ByRef(types.Map(GenericSubstitution.FieldType(field)))));
                    return;
                }
                case Code.Ldsfld:
                {
                    var field = (FieldReference)instruction.Operand;
                    Push(Emit(new IrInstruction(Opcode.LoadStatic) { Field = converter.FieldOf(field) }, types.Map(GenericSubstitution.FieldType(field))));
                    return;
                }
                case Code.Stsfld:
                {
                    var field = (FieldReference)instruction.Operand;
                    var value = Coerce(Pop(), types.Map(GenericSubstitution.FieldType(field)));
                    Emit(new IrInstruction(Opcode.StoreStatic, value) { Field = converter.FieldOf(field) });
                    return;
                }
                case Code.Ldsflda:
                {
                    var field = (FieldReference)instruction.Operand;
                    Push(Emit(new IrInstruction(Opcode.StaticAddr) { Field = converter.FieldOf(field) }, IrType.ByRef(types.Map(GenericSubstitution.FieldType(field)))));
                    return;
                }

                case Code.Newarr:
                {
                    var element = (TypeReference)instruction.Operand;
                    var length = Pop();
                    Push(Emit(new IrInstruction(Opcode.NewArray, length) { TypeOperand = types.Map(element) }, types.Map(new ArrayType(element))));
                    return;
                }
                case Code.Ldlen: { var array = Pop(); PushNew(Opcode.ArrayLength, IrType.NUInt, array); return; }
                case Code.Ldelem_I1: LoadElement(IrType.I8); return;
                case Code.Ldelem_U1: LoadElement(IrType.U8); return;
                case Code.Ldelem_I2: LoadElement(IrType.I16); return;
                case Code.Ldelem_U2: LoadElement(IrType.U16); return;
                case Code.Ldelem_I4: LoadElement(IrType.I32); return;
                case Code.Ldelem_U4: LoadElement(IrType.U32); return;
                case Code.Ldelem_I8: LoadElement(IrType.I64); return;
                case Code.Ldelem_I: LoadElement(IrType.NInt); return;
                case Code.Ldelem_R4: LoadElement(IrType.F32); return;
                case Code.Ldelem_R8: LoadElement(IrType.F64); return;
                case Code.Ldelem_Ref: LoadElement(null); return;
                case Code.Ldelem_Any: LoadElement(types.Map((TypeReference)instruction.Operand)); return;
                case Code.Stelem_I1: StoreElement(IrType.I8); return;
                case Code.Stelem_I2: StoreElement(IrType.I16); return;
                case Code.Stelem_I4: StoreElement(IrType.I32); return;
                case Code.Stelem_I8: StoreElement(IrType.I64); return;
                case Code.Stelem_I: StoreElement(IrType.NInt); return;
                case Code.Stelem_R4: StoreElement(IrType.F32); return;
                case Code.Stelem_R8: StoreElement(IrType.F64); return;
                case Code.Stelem_Ref: StoreElement(null); return;
                case Code.Stelem_Any: StoreElement(types.Map((TypeReference)instruction.Operand)); return;
                case Code.Ldelema:
                {
                    var element = types.Map((TypeReference)instruction.Operand);
                    var position = Pop();
                    var array = Pop();
                    Push(Emit(new IrInstruction(Opcode.ElementAddr, array, position) { TypeOperand = element }, IrType.ByRef(element)));
                    return;
                }

                case Code.Ldind_I1: LoadIndirect(IrType.I8); return;
                case Code.Ldind_U1: LoadIndirect(IrType.U8); return;
                case Code.Ldind_I2: LoadIndirect(IrType.I16); return;
                case Code.Ldind_U2: LoadIndirect(IrType.U16); return;
                case Code.Ldind_I4: LoadIndirect(IrType.I32); return;
                case Code.Ldind_U4: LoadIndirect(IrType.U32); return;
                case Code.Ldind_I8: LoadIndirect(IrType.I64); return;
                case Code.Ldind_I: LoadIndirect(IrType.NInt); return;
                case Code.Ldind_R4: LoadIndirect(IrType.F32); return;
                case Code.Ldind_R8: LoadIndirect(IrType.F64); return;
                case Code.Ldind_Ref: LoadIndirect(null); return;
                case Code.Ldobj: LoadIndirect(types.Map((TypeReference)instruction.Operand)); return;
                case Code.Stind_I1: StoreIndirect(IrType.I8); return;
                case Code.Stind_I2: StoreIndirect(IrType.I16); return;
                case Code.Stind_I4: StoreIndirect(IrType.I32); return;
                case Code.Stind_I8: StoreIndirect(IrType.I64); return;
                case Code.Stind_I: StoreIndirect(IrType.NInt); return;
                case Code.Stind_R4: StoreIndirect(IrType.F32); return;
                case Code.Stind_R8: StoreIndirect(IrType.F64); return;
                case Code.Stind_Ref: StoreIndirect(null); return;
                case Code.Stobj: StoreIndirect(types.Map((TypeReference)instruction.Operand)); return;
                case Code.Initobj:
                    Emit(new IrInstruction(Opcode.InitObj, Pop()) { TypeOperand = types.Map((TypeReference)instruction.Operand) });
                    return;
                case Code.Cpobj:
                {
                    var source = Pop();
                    var destination = Pop();
                    Emit(new IrInstruction(Opcode.CopyObj, destination, source) { TypeOperand = types.Map((TypeReference)instruction.Operand) });
                    return;
                }

                case Code.Box:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    var value = Coerce(Pop(), type);
                    Push(Emit(new IrInstruction(Opcode.Box, value) { TypeOperand = type }, IrType.Object));
                    return;
                }
                case Code.Unbox:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    Push(Emit(new IrInstruction(Opcode.Unbox, Pop()) { TypeOperand = type }, IrType.ByRef(type)));
                    return;
                }
                case Code.Unbox_Any:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    Push(Emit(new IrInstruction(Opcode.UnboxAny, Pop()) { TypeOperand = type }, type));
                    return;
                }
                case Code.Isinst:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    Push(Emit(new IrInstruction(Opcode.IsInst, Pop()) { TypeOperand = type }, type.IsReference ? type : IrType.Object));
                    return;
                }
                case Code.Castclass:
                {
                    var type = types.Map((TypeReference)instruction.Operand);
                    Push(Emit(new IrInstruction(Opcode.CastClass, Pop()) { TypeOperand = type }, type.IsReference ? type : IrType.Object));
                    return;
                }
                case Code.Ldtoken:
                {
                    var token = new IrInstruction(Opcode.Token);
                    string handle;
                    switch (instruction.Operand)
                    {
                        case TypeReference type: token.TypeOperand = types.Map(type); handle = "System.RuntimeTypeHandle"; break;
                        case FieldReference field: token.Field = converter.FieldOf(field); handle = "System.RuntimeFieldHandle"; break;
                        case MethodReference member: token.Method = converter.MethodOf(member); handle = "System.RuntimeMethodHandle"; break;
                        default: throw new UnsupportedConstructException("ldtoken of an unknown kind of member", instruction.Offset);
                    }
                    Push(Emit(token, IrType.ValueType(handle)));
                    return;
                }
                case Code.Sizeof:
                    Push(Emit(new IrInstruction(Opcode.SizeOf) { TypeOperand = types.Map((TypeReference)instruction.Operand) }, IrType.U32));
                    return;

                default:
                    throw new UnsupportedConstructException(Unsupported(code), instruction.Offset);
            }
        }

        private static string Unsupported(Code code) => code switch
        {
            Code.Calli => "calli (a call through a function pointer) has no IR form",
            Code.Jmp => "jmp (a tail jump to another method) has no IR form",
            Code.Localloc => "localloc (stackalloc) has no IR form",
            Code.Cpblk or Code.Initblk => $"{code.ToString().ToLowerInvariant()} (raw memory block operation) has no IR form",
            Code.Arglist => "arglist (varargs) has no IR form",
            Code.Mkrefany or Code.Refanyval or Code.Refanytype => $"{code.ToString().ToLowerInvariant()} (TypedReference) has no IR form",
            _ => $"the CIL instruction {code.ToString().ToLowerInvariant()} has no IR form",
        };

        private int FallThrough(int index, CilInstruction instruction)
        {
            if (index + 1 >= flow.Instructions.Count)
                throw new UnsupportedConstructException("a conditional branch falls off the end of the method", instruction.Offset);
            return flow.BlockOf(index + 1);
        }

        private void Branch(Value condition, CilInstruction instruction, int index, bool jumpWhenTrue)
        {
            var taken = flow.BlockAt((CilInstruction)instruction.Operand);
            var next = FallThrough(index, instruction);
            var branch = new IrInstruction(Opcode.BrIf, condition);
            if (jumpWhenTrue)
            {
                branch.Targets.Add(EdgeTo(taken));
                branch.Targets.Add(EdgeTo(next));
            }
            else
            {
                branch.Targets.Add(EdgeTo(next));
                branch.Targets.Add(EdgeTo(taken));
            }
            Emit(branch);
        }

        private void CompareAndBranch(Opcode comparison, CilInstruction instruction, int index)
        {
            var right = Pop();
            var left = Pop();
            var condition = Emit(new IrInstruction(comparison, left, right), IrType.Bool);
            Branch(condition, instruction, index, jumpWhenTrue: true);
        }

        private void Binary(Opcode opcode)
        {
            var right = Pop();
            var left = Pop();
            PushNew(opcode, ArithmeticType(opcode, TypeOf(left), TypeOf(right)), left, right);
        }

        private void Shift(Opcode opcode)
        {
            var amount = Pop();
            var value = Pop();
            PushNew(opcode, Normalize(TypeOf(value)), value, amount);
        }

        private void Compare(Opcode opcode)
        {
            var right = Pop();
            var left = Pop();
            PushNew(opcode, IrType.Bool, left, right);
        }

        private void Convert(Opcode opcode, IrType target)
        {
            var value = Pop();
            PushNew(opcode, target, value);
        }

        private void LoadElement(IrType? element)
        {
            var position = Pop();
            var array = Pop();
            element ??= ElementTypeOf(array);
            Push(Emit(new IrInstruction(Opcode.LoadElement, array, position) { TypeOperand = element }, element));
        }

        private void StoreElement(IrType? element)
        {
            var value = Pop();
            var position = Pop();
            var array = Pop();
            element ??= ElementTypeOf(array);
            value = Coerce(value, element);
            Emit(new IrInstruction(Opcode.StoreElement, array, position, value) { TypeOperand = element });
        }

        private IrType ElementTypeOf(Value array) =>
            TypeUtilities.ArrayElement(TypeOf(array), types) ?? IrType.Object;

        private void LoadIndirect(IrType? type)
        {
            var address = Pop();
            type ??= TypeOf(address).Element ?? IrType.Object;
            Push(Emit(new IrInstruction(Opcode.Load, address) { TypeOperand = type }, type));
        }

        private void StoreIndirect(IrType? type)
        {
            var value = Pop();
            var address = Pop();
            type ??= TypeOf(address).Element ?? IrType.Object;
            value = Coerce(value, type);
            Emit(new IrInstruction(Opcode.Store, address, value) { TypeOperand = type });
        }

        private void Call(CilInstruction instruction)
        {
            var callee = (MethodReference)instruction.Operand;
            var code = instruction.OpCode.Code;
            if (callee.CallingConvention == MethodCallingConvention.VarArg)
                throw new UnsupportedConstructException($"a call of the varargs method {callee.FullName} has no IR form", instruction.Offset);
            bool newObject = code == Code.Newobj;
            int count = callee.Parameters.Count + (callee.HasThis && !newObject ? 1 : 0);
            var entries = new StackEntry[count];
            for (int i = count - 1; i >= 0; i--) entries[i] = PopEntry();
            var operands = entries.Select(e => e.Value).ToArray();
            int first = callee.HasThis && !newObject ? 1 : 0;
            for (int p = 0; p < callee.Parameters.Count; p++)
                operands[first + p] = Coerce(operands[first + p], types.Map(GenericSubstitution.ParameterType(callee, p)));
            var opcode = newObject ? Opcode.NewObject
                : constrained is not null ? Opcode.ConstrainedCall
                : code == Code.Callvirt ? Opcode.CallVirt : Opcode.Call;
            var call = new IrInstruction(opcode, operands)
            {
                Method = converter.MethodOf(callee),
                OperandVariables = [.. entries.Select(e => e.Variable)],
            };
            if (opcode == Opcode.ConstrainedCall) call.TypeOperand = types.Map(constrained!);
            constrained = null;
            var resultType = newObject ? types.Map(callee.DeclaringType) : types.Map(GenericSubstitution.ReturnType(callee));
            if (resultType.Kind == TypeKind.Void) Emit(call);
            else Push(Emit(call, resultType));
        }

        // ---- types ------------------------------------------------------------------------------

        /// <summary>The stack type of a value: small integers are int32, enums their underlying type.</summary>
        private static IrType Normalize(IrType type) => type.StackKind switch
        {
            StackKind.Int32 => IrType.I32,
            StackKind.Int64 => IrType.I64,
            StackKind.NativeInt => type.Kind == TypeKind.NUInt ? IrType.NUInt : IrType.NInt,
            StackKind.Float => type.Kind == TypeKind.Enum ? type.Element! : type,
            _ => type,
        };

        /// <summary>The result type of binary arithmetic (ECMA-335 §III.1.5, tables 2 and 5).</summary>
        private static IrType ArithmeticType(Opcode opcode, IrType left, IrType right)
        {
            var (a, b) = (left.StackKind, right.StackKind);
            if (a == StackKind.Float || b == StackKind.Float)
                return left.Kind == TypeKind.F32 && right.Kind == TypeKind.F32 ? IrType.F32 : IrType.F64;
            if (a is StackKind.ByRef or StackKind.Pointer && b is StackKind.ByRef or StackKind.Pointer) return IrType.NInt;
            if (a is StackKind.ByRef or StackKind.Pointer) return left;
            if (b is StackKind.ByRef or StackKind.Pointer && opcode == Opcode.Add) return right;
            if (a == StackKind.NativeInt || b == StackKind.NativeInt) return IrType.NInt;
            if (a == StackKind.Int64 || b == StackKind.Int64) return IrType.I64;
            if (a == StackKind.Int32 && b == StackKind.Int32) return IrType.I32;
            return Normalize(left);
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
