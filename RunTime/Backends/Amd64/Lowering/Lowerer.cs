using PeJit.IR;
using PeJit.IR.Graphs;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using Opcode = PeJit.IR.Opcode;

namespace PeJit.Backends.Amd64.Lowering;

/// <summary>
/// Lowers a residual graph to the machine-level form, or refuses it with <see cref="BackendException"/> naming
/// the value or instruction it cannot express natively.
/// </summary>
/// <remarks>
/// Strategy: one pass over the blocks in layout order. Integer values of every width become 64-bit virtual
/// registers holding their CLR stack form (int32-class values sign-extended, narrow ones normalized to their
/// range after each operation that makes one), so compares are 64-bit whatever the declared widths and
/// conversions are single extensions. Constants are not materialized: they become immediates where an operand
/// takes one and are moved into a register only where one is needed. A primitive array parameter becomes two
/// words, base address and length, and each element access is two guards (null, then bounds: one unsigned
/// compare) and one explicit address <c>[base + index*size]</c>. A <c>brif</c> on a compare made in the same
/// block becomes one fused compare-and-branch. Divisions carry their own guards (zero, MinValue / -1).
/// The supported subset: integer arithmetic, shifts, compares, unchecked integer conversions, checked add/sub/mul
/// (not unsigned mul), element loads and stores and lengths of primitive integer arrays that are parameters,
/// jumps, branches, switches, returns of integers or void, calls of helpers (static, or instance methods on an object the stub knows: <see cref="ManagedRegions.IsNativeCall"/>).
/// Everything else is refused with the reason.
/// </remarks>
public sealed class Lowerer
{
    private readonly FlowGraph graph;
    private readonly MachineFunction function;
    private readonly Dictionary<Value, MachineOperand> operands = [];
    private readonly Dictionary<Value, (VirtualRegister Base, VirtualRegister Length)> arrays = [];
    // Objects passed to static helpers: the handle word the stub makes for each.
    private readonly Dictionary<Value, VirtualRegister> handles = [];
    private readonly Dictionary<Value, int> uses = [];
    private readonly Dictionary<VirtualRegister, MachineInstruction> definitions = [];
    private ManagedRegions regions = null!;
    private Dominators dominators = null!;
    // The guards (register compared, operand, condition) made so far in each residual block: a guard that one in
    // the same block or in a dominating block already made is dropped (registers are defined once, so the same
    // compare gives the same answer wherever it is dominated).
    private readonly Dictionary<int, HashSet<(VirtualRegister, MachineOperand, Condition)>> guards = [];
    private MachineBlock current = null!;
    private string? origin;
    private string instructionText = "";

    private Lowerer(FlowGraph graph)
    {
        this.graph = graph;
        function = new MachineFunction(graph.Name, graph.ReturnType);
    }

    /// <summary>Lowers <paramref name="graph"/>.</summary>
    /// <exception cref="BackendException">The graph uses what native code cannot express; the message says what and where.</exception>
    public static MachineFunction Lower(FlowGraph graph) => Lower(graph, out _);

    /// <summary>Lowers <paramref name="graph"/>; <paramref name="regions"/> says what the managed stub runs around the native code.</summary>
    /// <exception cref="BackendException">The graph uses what native code cannot express; the message says what and where.</exception>
    public static MachineFunction Lower(FlowGraph graph, out ManagedRegions regions)
    {
        var lowerer = new Lowerer(graph);
        var function = lowerer.Run();
        regions = lowerer.regions;
        return function;
    }

    private MachineFunction Run()
    {
        if (graph.Regions.Any()) Refuse("exception regions are not supported in native code");
        // A slot the optimizer turned into values (`slots`, `structs`) stays declared with no use left: only a used one needs memory.
        if (graph.Blocks.SelectMany(b => graph[b].Instructions).FirstOrDefault(i => i.Opcode is Opcode.SlotAddr or Opcode.LoadSlot or Opcode.StoreSlot) is { } slotUse)
            Refuse($"stack slots (locals whose address is taken) are not supported in native code: '{slotUse.Info.Name}'{slotUse.Location.At}");
        regions = ManagedRegions.Of(graph, Refuse);
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                foreach (var operand in instruction.Operands.Concat(instruction.Targets.SelectMany(t => t.Arguments)))
                    uses[operand] = uses.GetValueOrDefault(operand) + 1;
        foreach (var block in graph.Blocks)
        {
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Targets.Any(t => t.Target == FlowGraph.Entry))
                    Refuse($"a jump to the entry block{instruction.Location.At}");
            var machine = new MachineBlock(block.Index);
            function.Blocks.Add(machine);
            if (regions.Tails.Contains(block)) continue;
            foreach (var parameter in graph[block].Parameters)
            {
                var type = graph.TypeOf(parameter);
                if (block == FlowGraph.Entry) continue;
                if (!IsInteger(type)) Refuse($"the block parameter {parameter} of block{block.Index} has type {type} (only integers travel through block parameters)");
                var register = function.NewRegister();
                operands[parameter] = MachineOperand.Of(register);
                machine.Parameters.Add(register);
            }
        }
        dominators = Dominators.Compute(graph);
        foreach (var loop in NaturalLoop.Find(graph, dominators))
            foreach (var block in loop.Blocks)
                function.Blocks[block.Index].LoopDepth++;
        current = function.Blocks[0];
        LowerArguments();
        // Reverse postorder: every definition is lowered before its uses (a definition dominates them), whatever
        // the layout puts first (a loop-invariant value the optimizer left in a block laid out after the loop).
        // Each block's code still goes to its own machine block, so the layout is kept.
        foreach (var block in ReversePostorder())
        {
            if (regions.Tails.Contains(block)) continue;
            current = function.Blocks[block.Index];
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++) Lower(instructions[i], instructions);
        }
        return function;
    }

    private List<Block> ReversePostorder()
    {
        var order = new List<Block>();
        var seen = new HashSet<Block> { FlowGraph.Entry };
        var stack = new Stack<(Block Block, IEnumerator<Block> Successors)>();
        IEnumerator<Block> Successors(Block block) => graph[block].Instructions.SelectMany(i => i.Targets).Select(t => t.Target).GetEnumerator();
        stack.Push((FlowGraph.Entry, Successors(FlowGraph.Entry)));
        while (stack.Count > 0)
        {
            var (block, successors) = stack.Peek();
            if (successors.MoveNext())
            {
                if (seen.Add(successors.Current)) stack.Push((successors.Current, Successors(successors.Current)));
                continue;
            }
            stack.Pop();
            order.Add(block);
        }
        order.Reverse();
        // Unreachable blocks last, in layout order: they are lowered (and refused) as before.
        order.AddRange(graph.Blocks.Where(b => !seen.Contains(b)));
        return order;
    }

    /// <summary>
    /// Loads the words the managed stub passes: each value it knows before the call (parameters, prologue results,
    /// hoisted field reads) that native code uses, integers as themselves, primitive arrays as base and length,
    /// other objects as their presence (native code only null-tests them).
    /// </summary>
    private void LowerArguments()
    {
        var used = new HashSet<Value>();
        foreach (var block in graph.Blocks)
        {
            if (regions.Tails.Contains(block)) continue;
            foreach (var instruction in graph[block].Instructions)
            {
                if (regions.Prologue.Contains(instruction)) continue;
                used.UnionWith(instruction.Operands);
                foreach (var target in instruction.Targets) used.UnionWith(target.Arguments);
            }
        }
        var known = graph.Parameters.Concat(regions.Prologue.Select(i => i.Result!.Value)).Concat(regions.Hoisted.Select(i => i.Result!.Value));
        foreach (var value in known)
        {
            if (!used.Contains(value)) continue;
            var type = graph.TypeOf(value);
            if (ElementOf(type) is not null)
            {
                var array = (function.NewRegister(), function.NewRegister());
                arrays[value] = array;
                Emit(new MachineInstruction(MachineOpcode.LoadArgument) { Result = array.Item1, ArgumentIndex = function.Arguments.Count });
                function.Arguments.Add(new MachineArgument(value, ArgumentKind.ArrayBase));
                Emit(new MachineInstruction(MachineOpcode.LoadArgument) { Result = array.Item2, ArgumentIndex = function.Arguments.Count });
                function.Arguments.Add(new MachineArgument(value, ArgumentKind.ArrayLength));
                continue;
            }
            if (!IsInteger(type) && !type.IsReference) continue;
            var register = function.NewRegister();
            operands[value] = MachineOperand.Of(register);
            Emit(new MachineInstruction(MachineOpcode.LoadArgument) { Result = register, ArgumentIndex = function.Arguments.Count });
            function.Arguments.Add(new MachineArgument(value, IsInteger(type) ? ArgumentKind.Primitive : ArgumentKind.Presence));
        }
        // An object passed to a helper travels as a handle, a word of its own.
        foreach (var block in graph.Blocks)
        {
            if (regions.Tails.Contains(block)) continue;
            foreach (var call in graph[block].Instructions.Where(regions.IsNativeCall))
                foreach (var operand in call.Operands)
                {
                    if (IsInteger(graph.TypeOf(operand)) || handles.ContainsKey(operand)) continue;
                    var register = function.NewRegister();
                    handles[operand] = register;
                    Emit(new MachineInstruction(MachineOpcode.LoadArgument) { Result = register, ArgumentIndex = function.Arguments.Count });
                    function.Arguments.Add(new MachineArgument(operand, ArgumentKind.Handle));
                }
        }
    }

    /// <summary>A hoisted field read: its value is an argument word already; here only the owner's null guard stays.</summary>
    private void LowerHoistedRead(Instruction read)
    {
        var owner = read.Operands[0];
        var presence = arrays.TryGetValue(owner, out var array) ? MachineOperand.Of(array.Base) : Register(owner);
        Guard(presence, MachineOperand.Constant(0), Condition.Equal, ExitReason.NullReference);
    }

    /// <summary>
    /// A guard: exits with <paramref name="reason"/> when <c>a condition b</c>, unless the same guard was already made
    /// earlier in this block or in a block that dominates it (then it cannot fail here).
    /// </summary>
    private void Guard(MachineOperand a, MachineOperand b, Condition condition, ExitReason reason)
    {
        var key = (a.Register!.Value, b, condition);
        Block? dominator = new Block(current.Number);
        while (dominator is { } block)
        {
            if (guards.TryGetValue(block.Index, out var made) && made.Contains(key)) return;
            dominator = dominators.ImmediateDominator(block);
        }
        if (!guards.TryGetValue(current.Number, out var own)) guards[current.Number] = own = [];
        own.Add(key);
        Emit(new MachineInstruction(MachineOpcode.CompareBranch)
        {
            Operands = [a, b], Condition = condition, Edge = MachineEdge.ToExit(function.NewExit(reason, instructionText)),
        });
    }

    private void Lower(Instruction instruction, List<Instruction> block)
    {
        if (regions.Prologue.Contains(instruction)) return;
        // A residual instruction that emits nothing (a constant folded into operands, a compare fused with its
        // branch) is shown with the next one that does.
        string text = instructionText = IrPrinter.PrintInstruction(graph, instruction).Trim();
        origin = origin is null ? text : origin + "\n" + text;
        if (regions.IsHoisted(instruction))
        {
            LowerHoistedRead(instruction);
            return;
        }
        if (instruction.Result is { } result && ElementOf(graph.TypeOf(result)) is null && !IsInteger(graph.TypeOf(result)))
            Refuse($"{result} has type {graph.TypeOf(result)}, at '{instructionText}'{instruction.Location.At}: native code holds integers only");
        switch (instruction.Opcode)
        {
            case Opcode.Const: operands[instruction.Result!.Value] = MachineOperand.Constant(StackForm(instruction.Integer, graph.TypeOf(instruction.Result!.Value))); break;
            case Opcode.Add or Opcode.Sub or Opcode.Mul or Opcode.And or Opcode.Or or Opcode.Xor
                or Opcode.AddOvf or Opcode.SubOvf or Opcode.MulOvf or Opcode.AddOvfUn or Opcode.SubOvfUn:
                LowerBinary(instruction);
                break;
            case Opcode.Shl or Opcode.Shr or Opcode.ShrUn:
                Define(instruction, new MachineInstruction(instruction.Opcode switch
                {
                    Opcode.Shl => MachineOpcode.ShiftLeft, Opcode.Shr => MachineOpcode.ShiftRight, _ => MachineOpcode.ShiftRightUnsigned,
                })
                {
                    Result = function.NewRegister(),
                    Operands = [Register(instruction.Operands[0]), Operand(instruction.Operands[1])],
                    Width = WidthOf(instruction.Result!.Value),
                });
                break;
            case Opcode.Neg or Opcode.Not:
                Define(instruction, new MachineInstruction(instruction.Opcode == Opcode.Neg ? MachineOpcode.Negate : MachineOpcode.Not)
                {
                    Result = function.NewRegister(), Operands = [Register(instruction.Operands[0])], Width = WidthOf(instruction.Result!.Value),
                });
                break;
            case Opcode.Div or Opcode.DivUn or Opcode.Rem or Opcode.RemUn: LowerDivision(instruction); break;
            case Opcode.MulHigh:
                // The optimizer's division by a loop-invariant divisor (a one-operand imul: rdx:rax, both scratch).
                Define(instruction, new MachineInstruction(MachineOpcode.MultiplyHigh)
                {
                    Result = function.NewRegister(),
                    Operands = [Register(instruction.Operands[0]), Operand(instruction.Operands[1])],
                    Width = WidthOf(instruction.Result!.Value),
                });
                break;
            case Opcode.Ceq or Opcode.Cne or Opcode.Clt or Opcode.Cle or Opcode.Cgt or Opcode.Cge
                or Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn:
                // A compare used only by this block's brif is fused with it there.
                if (uses.GetValueOrDefault(instruction.Result!.Value) == 1 && block[^1] is { Opcode: Opcode.BrIf } branch && branch.Operands[0] == instruction.Result)
                    break;
                var (a, b, condition) = Compare(instruction);
                Define(instruction, new MachineInstruction(MachineOpcode.SetCondition) { Result = function.NewRegister(), Operands = [a, b], Condition = condition });
                break;
            case Opcode.Conv or Opcode.ConvUn: LowerConversion(instruction); break;
            case Opcode.LoadElement or Opcode.StoreElement or Opcode.ArrayLength: LowerArrayAccess(instruction); break;
            case Opcode.Jump: Emit(new MachineInstruction(MachineOpcode.Jump) { Edge = Edge(instruction.Targets[0]) }); break;
            case Opcode.BrIf: LowerBranch(instruction, block); break;
            case Opcode.Switch:
            {
                var selector = instruction.Operands[0];
                for (int i = 0; i < instruction.Targets.Count - 1; i++)
                    Emit(new MachineInstruction(MachineOpcode.CompareBranch)
                    {
                        Operands = [Register(selector), MachineOperand.Constant(i)], Condition = Condition.Equal, Edge = Edge(instruction.Targets[i]),
                    });
                Emit(new MachineInstruction(MachineOpcode.Jump) { Edge = Edge(instruction.Targets[^1]) });
                break;
            }
            case Opcode.Call or Opcode.CallVirt when regions.IsNativeCall(instruction): LowerCall(instruction); break;
            case Opcode.Return:
                Emit(new MachineInstruction(MachineOpcode.Return) { Operands = instruction.Operands.Count == 0 ? [] : [Operand(instruction.Operands[0])] });
                break;
            default:
                Refuse($"'{instruction.Info.Name}'{instruction.Location.At} ({text}) is not supported in native code");
                break;
        }
    }

    /// <summary>A helper called through the trampoline; integers go as themselves, objects (a receiver too) as their handles.</summary>
    private void LowerCall(Instruction call)
    {
        var words = call.Operands.Select(o => IsInteger(graph.TypeOf(o)) ? Operand(o) : MachineOperand.Of(handles[o])).ToList();
        var machine = new MachineInstruction(MachineOpcode.CallHelper)
        {
            Result = call.Result is null ? null : function.NewRegister(),
            Operands = words,
            ArgumentIndex = function.Calls.Count,
            Exits = [function.NewExit(ExitReason.HelperThrew, instructionText)],
        };
        function.Calls.Add(call);
        if (call.Result is null) Emit(machine);
        else Define(call, machine);
    }

    private void LowerBinary(Instruction instruction)
    {
        var opcode = instruction.Opcode switch
        {
            Opcode.Add or Opcode.AddOvf or Opcode.AddOvfUn => MachineOpcode.Add,
            Opcode.Sub or Opcode.SubOvf or Opcode.SubOvfUn => MachineOpcode.Subtract,
            Opcode.Mul or Opcode.MulOvf => MachineOpcode.Multiply,
            Opcode.And => MachineOpcode.And,
            Opcode.Or => MachineOpcode.Or,
            _ => MachineOpcode.Xor,
        };
        MachineEdge? overflow = instruction.Opcode is Opcode.AddOvf or Opcode.SubOvf or Opcode.MulOvf or Opcode.AddOvfUn or Opcode.SubOvfUn
            ? MachineEdge.ToExit(function.NewExit(ExitReason.Overflow, instructionText))
            : null;
        Define(instruction, new MachineInstruction(opcode)
        {
            Result = function.NewRegister(),
            Operands = [Register(instruction.Operands[0]), Operand(instruction.Operands[1])],
            Width = WidthOf(instruction.Result!.Value),
            Edge = overflow,
            Condition = instruction.Opcode is Opcode.AddOvfUn or Opcode.SubOvfUn ? Condition.Carry : Condition.Overflow,
        });
    }

    private void LowerDivision(Instruction instruction)
    {
        bool signed = instruction.Opcode is Opcode.Div or Opcode.Rem;
        // A signed division by a constant other than 0 and -1 cannot fault: a multiply-high sequence, no guards
        // (what the .NET JIT does for the CIL backend's units; the emitter spells it out with DivisionMagic).
        if (signed && operands.TryGetValue(instruction.Operands[1], out var divisor) && divisor.IsImmediate && divisor.Immediate is not (0 or -1))
        {
            Define(instruction, new MachineInstruction(instruction.Opcode == Opcode.Div ? MachineOpcode.Divide : MachineOpcode.Remainder)
            {
                Result = function.NewRegister(),
                Operands = [Register(instruction.Operands[0]), divisor],
                Width = WidthOf(instruction.Result!.Value),
            });
            return;
        }
        var exits = new List<MachineExit> { function.NewExit(ExitReason.DivideByZero, instructionText) };
        if (signed) exits.Add(function.NewExit(ExitReason.Overflow, instructionText));
        Define(instruction, new MachineInstruction(instruction.Opcode switch
        {
            Opcode.Div => MachineOpcode.Divide, Opcode.DivUn => MachineOpcode.DivideUnsigned,
            Opcode.Rem => MachineOpcode.Remainder, _ => MachineOpcode.RemainderUnsigned,
        })
        {
            Result = function.NewRegister(),
            Operands = [Register(instruction.Operands[0]), Register(instruction.Operands[1])],
            Width = WidthOf(instruction.Result!.Value),
            Exits = exits,
        });
    }

    private (MachineOperand A, MachineOperand B, Condition Condition) Compare(Instruction compare)
    {
        // Two pinned arrays are the same array exactly when their bases are equal (null's base is 0).
        if (compare.Opcode is Opcode.Ceq or Opcode.Cne && arrays.TryGetValue(compare.Operands[0], out var left) && arrays.TryGetValue(compare.Operands[1], out var right))
            return (MachineOperand.Of(left.Base), MachineOperand.Of(right.Base), compare.Opcode == Opcode.Ceq ? Condition.Equal : Condition.NotEqual);
        foreach (var operand in compare.Operands)
            if (!IsInteger(graph.TypeOf(operand)))
                Refuse($"'{instructionText}'{compare.Location.At} compares values of type {graph.TypeOf(operand)}: native code compares integers only");
        var condition = compare.Opcode switch
        {
            Opcode.Ceq => Condition.Equal, Opcode.Cne => Condition.NotEqual,
            Opcode.Clt => Condition.Less, Opcode.Cle => Condition.LessOrEqual, Opcode.Cgt => Condition.Greater, Opcode.Cge => Condition.GreaterOrEqual,
            Opcode.CltUn => Condition.Below, Opcode.CleUn => Condition.BelowOrEqual, Opcode.CgtUn => Condition.Above, _ => Condition.AboveOrEqual,
        };
        return (Register(compare.Operands[0]), Operand(compare.Operands[1]), condition);
    }

    private void LowerBranch(Instruction branch, List<Instruction> block)
    {
        var condition = branch.Operands[0];
        var definition = graph[condition].DefiningInstruction;
        if (definition is { Opcode: Opcode.Ceq or Opcode.Cne or Opcode.Clt or Opcode.Cle or Opcode.Cgt or Opcode.Cge or Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn }
            && block.Contains(definition) && !operands.ContainsKey(condition))
        {
            var (a, b, fused) = Compare(definition);
            Emit(new MachineInstruction(MachineOpcode.CompareBranch) { Operands = [a, b], Condition = fused, Edge = Edge(branch.Targets[0]) });
        }
        else if (arrays.TryGetValue(condition, out var array))
        {
            // A null test of a pinned array: its base is 0 exactly when it is null.
            Emit(new MachineInstruction(MachineOpcode.CompareBranch)
            {
                Operands = [MachineOperand.Of(array.Base), MachineOperand.Constant(0)], Condition = Condition.NotEqual, Edge = Edge(branch.Targets[0]),
            });
        }
        else if (Operand(condition) is { IsImmediate: true } known)
        {
            Emit(new MachineInstruction(MachineOpcode.Jump) { Edge = Edge(branch.Targets[known.Immediate != 0 ? 0 : 1]) });
            return;
        }
        else
        {
            Emit(new MachineInstruction(MachineOpcode.CompareBranch)
            {
                Operands = [Register(condition), MachineOperand.Constant(0)], Condition = Condition.NotEqual, Edge = Edge(branch.Targets[0]),
            });
        }
        Emit(new MachineInstruction(MachineOpcode.Jump) { Edge = Edge(branch.Targets[1]) });
    }

    private void LowerConversion(Instruction conversion)
    {
        var source = conversion.Operands[0];
        var target = graph.TypeOf(conversion.Result!.Value);
        if (!IsInteger(graph.TypeOf(source)))
            Refuse($"'{instructionText}'{conversion.Location.At} converts a {graph.TypeOf(source)}: native code converts integers only");
        var kind = target.Kind == TypeKind.Enum ? target.Element!.Kind : target.Kind;
        var value = Register(source);
        // As ValueSemantics.ConvertIntegerToInteger: an int32 source is widened by its own signedness (as unsigned
        // for conv.un or a 64-bit unsigned target), then narrowed to the target; int32-class results keep their stack form.
        if (graph.TypeOf(source).StackKind == StackKind.Int32 && (conversion.Opcode == Opcode.ConvUn || kind is TypeKind.U64 or TypeKind.NUInt))
            value = Extend(value, 32, signed: false);
        var (width, signed) = kind switch
        {
            TypeKind.I8 => (8, true), TypeKind.U8 or TypeKind.Bool => (8, false), TypeKind.I16 => (16, true),
            TypeKind.U16 or TypeKind.Char => (16, false), TypeKind.I32 or TypeKind.U32 => (32, true),
            _ => (64, false),
        };
        // The 32-bit operation that made the source needs no sign extension when this is its one use and keeps 16 bits or fewer.
        if (width < 32 && uses.GetValueOrDefault(source) == 1 && value.Register is { } made && definitions.TryGetValue(made, out var definition)
            && definition is { Width: 32, Edge: null, Opcode: MachineOpcode.Add or MachineOpcode.Subtract or MachineOpcode.Multiply or MachineOpcode.And
                or MachineOpcode.Or or MachineOpcode.Xor or MachineOpcode.ShiftLeft or MachineOpcode.ShiftRight or MachineOpcode.ShiftRightUnsigned
                or MachineOpcode.Negate or MachineOpcode.Not })
            definition.Narrowed = true;
        if (width < 64) value = Extend(value, width, signed);
        // Without a change of representation the result is the source's register: registers are defined once, so sharing is safe.
        operands[conversion.Result!.Value] = value;
    }

    private MachineOperand Extend(MachineOperand value, int width, bool signed)
    {
        var result = function.NewRegister();
        Emit(new MachineInstruction(MachineOpcode.Extend) { Result = result, Operands = [value], Width = width, Signed = signed });
        return MachineOperand.Of(result);
    }

    private void LowerArrayAccess(Instruction access)
    {
        var arrayValue = access.Operands[0];
        if (!arrays.TryGetValue(arrayValue, out var array))
            Refuse($"'{instructionText}'{access.Location.At} reads an array that is not a parameter of the graph: native code reaches only arrays the managed stub pinned");
        Guard(MachineOperand.Of(array.Base), MachineOperand.Constant(0), Condition.Equal, ExitReason.NullReference);
        if (access.Opcode == Opcode.ArrayLength)
        {
            Define(access, new MachineInstruction(MachineOpcode.Move) { Result = function.NewRegister(), Operands = [MachineOperand.Of(array.Length)] });
            return;
        }
        var element = access.TypeOperand!;
        int size = element.PrimitiveSize;
        if (!IsInteger(element) || size == 0)
            Refuse($"'{instructionText}'{access.Location.At} accesses elements of type {element}: native code reads integer elements only");
        var index = Operand(access.Operands[1]);
        // A constant index that cannot be a displacement is surely out of bounds: let the guard see it in a register.
        if (index.IsImmediate && index.Immediate is < 0 or > int.MaxValue / 8) index = Materialize(index);
        if (index.IsImmediate) Guard(MachineOperand.Of(array.Length), index, Condition.BelowOrEqual, ExitReason.IndexOutOfRange);
        else Guard(index, MachineOperand.Of(array.Length), Condition.AboveOrEqual, ExitReason.IndexOutOfRange);
        // An immediate index is below 2^31 / 8 here, so index * size fits a displacement.
        var address = index.IsImmediate
            ? new MemoryAddress(array.Base, null, 1, checked((int)(index.Immediate * size)))
            : new MemoryAddress(array.Base, index.Register, size, 0);
        bool signed = element.Kind is TypeKind.I8 or TypeKind.I16 or TypeKind.I32 or TypeKind.U32;
        if (access.Opcode == Opcode.LoadElement)
            Define(access, new MachineInstruction(MachineOpcode.Load) { Result = function.NewRegister(), Address = address, Width = size * 8, Signed = signed });
        else
            Emit(new MachineInstruction(MachineOpcode.Store) { Address = address, Operands = [Operand(access.Operands[2])], Width = size * 8 });
    }

    private MachineEdge Edge(BlockCall call)
    {
        if (regions.Tails.Contains(call.Target)) return Transition(call);
        foreach (var argument in call.Arguments)
            if (!IsInteger(graph.TypeOf(argument)))
                Refuse($"the jump to {call.Target} passes {argument} of type {graph.TypeOf(argument)}: only integers travel through block parameters");
        return new MachineEdge(call.Target.Index, call.Arguments.Select(a => operands.TryGetValue(a, out var o) ? o : Undefined(a)).ToList());
    }

    /// <summary>
    /// An edge into a tail: native code stores the values the tails need and the stub goes on from there. The stub
    /// knows its own values; the rest (the edge's arguments and values defined in the native region that the tails
    /// reachable from the target use) travel as words.
    /// </summary>
    private MachineEdge Transition(BlockCall call)
    {
        var needed = new List<Value>();
        var seen = new HashSet<Value>();
        void Need(Value value)
        {
            if (!regions.Known.Contains(value) && !tailDefined.Contains(value) && seen.Add(value)) needed.Add(value);
        }
        foreach (var argument in call.Arguments) Need(argument);
        foreach (var value in TailUses(call.Target)) Need(value);
        var parameters = graph[call.Target].Parameters.Zip(call.Arguments).ToList();
        var values = new List<MachineOperand>();
        foreach (var value in needed)
        {
            if (!IsInteger(graph.TypeOf(value)))
                Refuse($"{value} of type {graph.TypeOf(value)} is made in native code and used at an exit ({call.Target}): only integers travel from native code to the managed stub");
            values.Add(operands.TryGetValue(value, out var operand) ? operand : Undefined(value));
        }
        return MachineEdge.ToExit(function.NewTransition(call.Target, values, needed, parameters, instructionText));
    }

    private HashSet<Value>? tailDefinedCache;

    /// <summary>Values defined in tails (parameters included): the stub makes them itself.</summary>
    private HashSet<Value> tailDefined => tailDefinedCache ??= regions.Tails
        .SelectMany(b => graph[b].Parameters.Concat(graph[b].Instructions.Where(i => i.Result is not null).Select(i => i.Result!.Value)))
        .ToHashSet();

    /// <summary>The values the tails reachable from <paramref name="start"/> read.</summary>
    private List<Value> TailUses(Block start)
    {
        var result = new List<Value>();
        var seen = new HashSet<Block>();
        var work = new Stack<Block>([start]);
        while (work.TryPop(out var block))
        {
            if (!seen.Add(block)) continue;
            foreach (var instruction in graph[block].Instructions)
            {
                result.AddRange(instruction.Operands);
                foreach (var target in instruction.Targets)
                {
                    result.AddRange(target.Arguments);
                    work.Push(target.Target);
                }
            }
        }
        return result;
    }

    /// <summary>Records the result of <paramref name="residual"/> as <paramref name="machine"/>'s, normalized to its declared width.</summary>
    private void Define(Instruction residual, MachineInstruction machine)
    {
        Emit(machine);
        definitions[machine.Result!.Value] = machine;
        var result = residual.Result!.Value;
        var type = graph.TypeOf(result);
        var value = MachineOperand.Of(machine.Result!.Value);
        var kind = type.Kind == TypeKind.Enum ? type.Element!.Kind : type.Kind;
        // A load extends as it reads, a set is 0 or 1, and a helper's result comes back in its stack form.
        if (machine.Opcode is not (MachineOpcode.Load or MachineOpcode.SetCondition or MachineOpcode.CallHelper))
            value = kind switch
            {
                TypeKind.I8 => Extend(value, 8, true), TypeKind.U8 or TypeKind.Bool => Extend(value, 8, false),
                TypeKind.I16 => Extend(value, 16, true), TypeKind.U16 or TypeKind.Char => Extend(value, 16, false),
                _ => value,
            };
        operands[result] = value;
    }

    private void Emit(MachineInstruction instruction)
    {
        if (origin is not null)
        {
            instruction.Origin = origin;
            origin = null;
        }
        current.Instructions.Add(instruction);
    }

    private MachineOperand Operand(Value value)
    {
        var operand = operands.TryGetValue(value, out var known) ? known : Undefined(value);
        return operand.IsImmediate && !operand.IsSmallImmediate ? Materialize(operand) : operand;
    }

    private MachineOperand Register(Value value)
    {
        var operand = operands.TryGetValue(value, out var known) ? known : Undefined(value);
        return operand.IsImmediate ? Materialize(operand) : operand;
    }

    private MachineOperand Materialize(MachineOperand constant)
    {
        var register = function.NewRegister();
        Emit(new MachineInstruction(MachineOpcode.Move) { Result = register, Operands = [constant] });
        return MachineOperand.Of(register);
    }

    private MachineOperand Undefined(Value value)
    {
        if (arrays.ContainsKey(value)) Refuse($"{value}, an array, is used as a value at '{instructionText}': native code only indexes arrays");
        Refuse($"{value} is used at '{instructionText}' before its definition in the block layout (native lowering needs definitions first in layout order)");
        return default;
    }

    private int WidthOf(Value value) => graph.TypeOf(value).StackKind == StackKind.Int32 ? 32 : 64;

    private static long StackForm(long value, IrType type) => type.StackKind == StackKind.Int32 ? (int)value : value;

    private static bool IsInteger(IrType type) =>
        (type.Kind == TypeKind.Enum ? type.Element!.StackKind : type.StackKind) is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt;

    /// <summary>The element type of a one-dimensional array of primitive integers, or null for any other type.</summary>
    internal static IrType? ElementOf(IrType type)
    {
        // Arrays are class types named "T[]" in Cecil's form; only one-dimensional arrays of primitive integers qualify.
        if (type.Kind != TypeKind.Class || !type.Name.EndsWith("[]", StringComparison.Ordinal)) return null;
        return type.Name[..^2] switch
        {
            "System.SByte" => IrType.I8, "System.Byte" => IrType.U8, "System.Boolean" => IrType.Bool,
            "System.Int16" => IrType.I16, "System.UInt16" => IrType.U16, "System.Char" => IrType.Char,
            "System.Int32" => IrType.I32, "System.UInt32" => IrType.U32, "System.Int64" => IrType.I64, "System.UInt64" => IrType.U64,
            "System.IntPtr" => IrType.NInt, "System.UIntPtr" => IrType.NUInt,
            _ => null,
        };
    }

    private void Refuse(string reason) => throw new BackendException($"{graph.Name}: the AMD64 backend cannot express this unit: {reason}");
}
