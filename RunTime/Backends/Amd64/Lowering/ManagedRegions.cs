using PeJit.IR;
using PeJit.IR.Text;
using Opcode = PeJit.IR.Opcode;

namespace PeJit.Backends.Amd64.Lowering;

/// <summary>
/// Which parts of a residual graph the managed entry stub runs instead of native code: the prologue (the entry
/// block's object reads: state and constants unboxed and cast), the field reads hoisted out of the native
/// region, and the tails (the blocks an exit runs: boxing the state into the exit buffer, materializing
/// objects). Everything else is the native region.
/// </summary>
/// <remarks>
/// Strategy:
/// 1. An instruction is managed when it touches an object in a way native code may not (see <see cref="IsManaged"/>).
///    In the entry block, before its terminator, the managed instructions of the prologue kind (const, object
///    element loads, casts, unboxing, field reads) form the prologue: the stub runs them before the call.
/// 2. A field read of an object the stub knows (a prologue value, or another hoisted read) is hoisted: the native
///    region never writes a field, and calls only helpers through the trampoline (<see cref="IsNativeCall"/>), so its value is the
///    same wherever the region reads it as long as no helper that writes memory is called (the backend then lets
///    only readonly fields be hoisted). Native code keeps a null guard at the read's place, which exits as the read
///    would throw. A helper call in the entry block ends the prologue: what the stub reads first must come first (a
///    field read after it is still hoisted, since the backend then hoists only fields the call cannot change, and
///    exit plumbing after it is split off into a tail, see <see cref="SplitEntry"/>). A read in a tail (step 3) is not
///    hoisted: the evaluator makes it where the graph does, behind the guards before it.
/// 3. The tails are the blocks reachable from a non-entry block holding a managed instruction. A tail on a cycle
///    would run a loop in the stub: the unit is refused. A native edge into a tail is a transition: native code
///    stores the values the tails need and returns; the stub goes on from the tail block with the graph
///    evaluator, so an exit writes the exit buffer exactly as the graph says.
/// </remarks>
public sealed class ManagedRegions
{
    private readonly FlowGraph graph;

    private ManagedRegions(FlowGraph graph) => this.graph = graph;

    /// <summary>The entry block's instructions the stub runs before the call, in order.</summary>
    public List<Instruction> Prologue { get; } = [];

    /// <summary>The field reads the stub makes before the call, in an order where each owner comes first.</summary>
    public List<Instruction> Hoisted { get; } = [];

    /// <summary>The blocks the stub runs after native code leaves through a transition.</summary>
    public HashSet<Block> Tails { get; } = [];

    /// <summary>Values the stub knows before the call: parameters, prologue results, hoisted reads, the entry block's constants.</summary>
    public HashSet<Value> Known { get; } = [];

    /// <summary>Analyzes <paramref name="graph"/>; <paramref name="refuse"/> throws with a reason.</summary>
    public static ManagedRegions Of(FlowGraph graph, Action<string> refuse)
    {
        SplitEntry(graph);
        var regions = new ManagedRegions(graph);
        regions.Analyze(refuse);
        return regions;
    }

    private void Analyze(Action<string> refuse)
    {
        Known.UnionWith(graph.Parameters);
        var entry = graph[FlowGraph.Entry].Instructions;
        Instruction? call = null;
        foreach (var instruction in entry.Take(entry.Count - 1))
        {
            if (instruction.Opcode is Opcode.Const or Opcode.Null && IsStubConstant(instruction)) Known.Add(instruction.Result!.Value);
            if (IsNativeCall(instruction)) call ??= instruction;
            if (!IsManaged(instruction)) continue;
            if (instruction.Opcode == Opcode.LoadField && IsHoistable(instruction))
            {
                // Known from here on, so that a call after it in the entry block may take it (as its receiver, say). A
                // read after a helper call is hoisted as any read in the loop is: the backend then allows only readonly
                // fields (or pure helpers), whose value the call cannot change, and the null guard stays in place.
                Hoisted.Add(instruction);
                Known.Add(instruction.Result!.Value);
                continue;
            }
            if (call is not null)
                refuse($"'{instruction.Info.Name}' in the entry block{instruction.Location.At} comes after the helper call{call.Location.At}, and the managed stub makes its reads before native code runs");
            if (instruction.Opcode is not (Opcode.Null or Opcode.LoadElement or Opcode.CastClass or Opcode.UnboxAny or Opcode.IsInst)
                // The stub runs the whole prologue before the hoisted reads: a prologue instruction on a hoisted read's
                // value would run on null (the Lua fuzzer's null references when entry-block reads were first made known).
                || instruction.Operands.Any(o => !Known.Contains(o) || Hoisted.Any(h => h.Result == o)))
                refuse($"'{instruction.Info.Name}' in the entry block{instruction.Location.At} ({IrPrinter.PrintInstruction(graph, instruction).Trim()}) is neither native nor a read the managed stub makes before the call");
            Prologue.Add(instruction);
            Known.Add(instruction.Result!.Value);
        }
        // Hoisted reads, to a fixed point: a read whose owner is itself a hoisted read follows it.
        var hoistedIn = new Dictionary<Instruction, Block>(ReferenceEqualityComparer.Instance);
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var block in graph.Blocks)
                foreach (var instruction in graph[block].Instructions)
                    if (instruction.Opcode == Opcode.LoadField && !Known.Contains(instruction.Result!.Value) && IsHoistable(instruction))
                    {
                        Hoisted.Add(instruction);
                        hoistedIn[instruction] = block;
                        Known.Add(instruction.Result!.Value);
                        changed = true;
                    }
        }
        var work = new Stack<Block>();
        foreach (var block in graph.Blocks)
            if (block != FlowGraph.Entry && graph[block].Instructions.Any(i => IsManaged(i) && !IsHoisted(i)))
                work.Push(block);
        var entryTerminator = entry[^1];
        if (IsManaged(entryTerminator)) refuse($"the entry block's '{entryTerminator.Info.Name}'{entryTerminator.Location.At} is not native");
        foreach (var instruction in entry.Take(entry.Count - 1))
            if (IsManaged(instruction) && !Prologue.Contains(instruction) && !IsHoisted(instruction))
                refuse($"'{instruction.Info.Name}' in the entry block{instruction.Location.At} is not native");
        while (work.TryPop(out var block))
        {
            if (block == FlowGraph.Entry) refuse("an exit path jumps back to the entry block");
            if (!Tails.Add(block)) continue;
            foreach (var instruction in graph[block].Instructions)
                foreach (var target in instruction.Targets)
                    work.Push(target.Target);
        }
        foreach (var tail in Tails)
            if (Reaches(tail, tail))
            {
                var managed = graph[tail].Instructions.FirstOrDefault(i => IsManaged(i) && !IsHoisted(i));
                refuse($"block{tail.Index} runs on a cycle after {(managed is null ? "an instruction" : $"'{managed.Info.Name}'{managed.Location.At}")} that native code cannot express (a loop would run outside native code){(managed is null ? "" : CallRefusal(managed))}");
            }
        // A read in a tail is the evaluator's, made where the graph makes it: hoisted, the stub would make it before native
        // code runs, ahead of the guards the graph reads it behind (a case bridge's class guard, a GetType compare the stub
        // runs in the tail: the read of the class it tests, on an object of another class, threw out of the unit). Native
        // code never uses its value: a tail block dominates no native block. Dropped after the check above, whose message
        // names what made the block a tail, not such a read. O(hoisted reads).
        foreach (var (read, block) in hoistedIn)
            if (Tails.Contains(block))
            {
                Hoisted.Remove(read);
                Known.Remove(read.Result!.Value);
            }
    }

    /// <summary>
    /// A unit entered where no loop starts (a bridge: the code after a loop, straight to the next loop or the return)
    /// does its native work and then boxes the state into the exit buffer in one block, its entry: the entry block is
    /// split at its first instruction that is neither native nor a read the stub makes before the call, so that the
    /// work before it runs natively and the rest is a tail (the managed stub runs it), instead of the unit being
    /// refused. A split changes only graphs that would be refused: the split-off part was not native anyway; and only
    /// when that part is exit plumbing (boxing, storing into arrays, casts, calls, the return).
    /// </summary>
    private static void SplitEntry(FlowGraph graph)
    {
        var probe = new ManagedRegions(graph);
        probe.Known.UnionWith(graph.Parameters);
        var entry = graph[FlowGraph.Entry].Instructions;
        if (graph[FlowGraph.Entry].Try is not null || graph[FlowGraph.Entry].HandlerOf is not null) return;
        bool afterCall = false;
        for (int i = 0; i < entry.Count; i++)
        {
            var instruction = entry[i];
            if (instruction.Opcode is Opcode.Const or Opcode.Null && probe.IsStubConstant(instruction)) probe.Known.Add(instruction.Result!.Value);
            // A helper call ends the prologue: the stub makes its reads before native code runs, so a read after the
            // call other than a hoistable field read (the call cannot change a field the backend lets the stub hoist)
            // is where the split goes, and the tail runs it after the call, in order.
            if (probe.IsNativeCall(instruction))
            {
                afterCall = true;
                continue;
            }
            if (!probe.IsManaged(instruction)) continue;
            bool read = instruction.Opcode is Opcode.LoadField && probe.IsHoistable(instruction)
                || !afterCall && instruction.Opcode is Opcode.Null or Opcode.LoadElement or Opcode.CastClass or Opcode.UnboxAny or Opcode.IsInst
                    && instruction.Operands.All(probe.Known.Contains);
            if (read && !instruction.IsTerminator)
            {
                probe.Known.Add(instruction.Result!.Value);
                continue;
            }
            // Only exit plumbing and calls move to the stub: a unit whose straight-line code computes with floats or
            // objects would run on the graph evaluator, far slower than the CIL unit `auto` makes of it instead.
            if (entry.Skip(i).Any(o => probe.IsManaged(o) && o.Opcode is not (Opcode.Const or Opcode.Null or Opcode.Box or Opcode.StoreElement
                    or Opcode.LoadElement or Opcode.ArrayLength or Opcode.CastClass or Opcode.IsInst or Opcode.UnboxAny or Opcode.LoadField
                    or Opcode.Return or Opcode.Jump or Opcode.BrIf or Opcode.Call or Opcode.CallVirt)))
                return;
            var rest = graph.AddBlock();
            graph[rest].Instructions.AddRange(entry.GetRange(i, entry.Count - i));
            entry.RemoveRange(i, entry.Count - i);
            var jump = new Instruction(Opcode.Jump) { Location = instruction.Location };
            jump.Targets.Add(new BlockCall(rest, []));
            graph.Append(FlowGraph.Entry, jump);
            return;
        }
    }

    /// <summary>True for a hoisted field read.</summary>
    public bool IsHoisted(Instruction instruction) => instruction.Opcode == Opcode.LoadField && Hoisted.Contains(instruction);

    private bool Reaches(Block from, Block to)
    {
        var seen = new HashSet<Block>();
        var work = new Stack<Block>(graph[from].Instructions.SelectMany(i => i.Targets).Select(t => t.Target));
        while (work.TryPop(out var block))
        {
            if (block == to) return true;
            if (!seen.Add(block)) continue;
            foreach (var instruction in graph[block].Instructions)
                foreach (var target in instruction.Targets) work.Push(target.Target);
        }
        return false;
    }

    private bool IsStubConstant(Instruction constant) =>
        constant.Opcode == Opcode.Null || IsInteger(graph.TypeOf(constant.Result!.Value));

    private bool IsHoistable(Instruction read) =>
        read.Operands.Count == 1 && Known.Contains(read.Operands[0]) && graph.TypeOf(read.Operands[0]).IsReference;

    /// <summary>
    /// True for a call native code makes through a trampoline (<c>HelperCalls</c>): a <c>call</c> of a static method, or a
    /// <c>call</c> or <c>callvirt</c> of an instance method (virtual and interface methods included) whose receiver is an
    /// object the stub knows, whose other arguments are integers or objects the stub knows (each object passed as a handle
    /// the stub makes for the call; the call site makes the <c>callvirt</c> itself on the receiver, so dispatch and a null
    /// receiver behave as in a CIL unit), and whose result is void or an integer.
    /// </summary>
    public bool IsNativeCall(Instruction instruction) =>
        instruction is { Opcode: Opcode.Call or Opcode.CallVirt, Method: { } method }
        && (instruction.Opcode == Opcode.Call && !method.HasThis
            || method.HasThis && instruction.Operands.Count > 0 && graph.TypeOf(instruction.Operands[0]).IsReference)
        && instruction.Operands.All(o => IsInteger(graph.TypeOf(o)) || graph.TypeOf(o).IsReference && Known.Contains(o))
        && (instruction.Result is not { } result || IsInteger(graph.TypeOf(result)));

    /// <summary>
    /// For a call native code does not make (<see cref="IsNativeCall"/>), why, to follow the refusal's message (empty for
    /// any other instruction): which argument or result keeps it out, so that the interpreter's author knows what to change.
    /// </summary>
    private string CallRefusal(Instruction call)
    {
        if (call.Opcode is not (Opcode.Call or Opcode.CallVirt) || call.Method is null) return "";
        if (call.Method.HasThis && (call.Operands.Count == 0 || !graph.TypeOf(call.Operands[0]).IsReference))
            return ": native code calls an instance method only on an object, not on a value type's address";
        for (int i = 0; i < call.Operands.Count; i++)
        {
            var operand = call.Operands[i];
            var type = graph.TypeOf(operand);
            string what = call.Method.HasThis && i == 0 ? "its receiver" : $"its argument {i}";
            if (type.IsReference && !Known.Contains(operand))
                return $": {what} is an object the managed stub does not have before the call (native code passes only parameters, values the stub reads in the entry block, and fields of those; read it from one of them, or keep it in a readonly field)";
            if (!type.IsReference && !IsInteger(type))
                return $": {what} is a {type}, and native code passes only integers and objects to a call";
        }
        if (call.Result is { } result && !IsInteger(graph.TypeOf(result)))
            return $": it returns a {graph.TypeOf(result)}, and a call from native code may return only void or an integer";
        return "";
    }

    /// <summary>
    /// True when <paramref name="instruction"/> needs managed code: it calls (other than <see cref="IsNativeCall"/>), allocates, writes a field, boxes,
    /// casts, or holds an object other than a primitive array the stub pinned or an object it only null-tests.
    /// </summary>
    public bool IsManaged(Instruction instruction)
    {
        switch (instruction.Opcode)
        {
            case Opcode.Const: return !IsInteger(graph.TypeOf(instruction.Result!.Value));
            case Opcode.Null: return true;
            case Opcode.LoadField: return true;
            case Opcode.LoadElement or Opcode.StoreElement or Opcode.ArrayLength:
                return Lowerer.ElementOf(graph.TypeOf(instruction.Operands[0])) is null || !Known.Contains(instruction.Operands[0])
                    || instruction.Operands.Skip(1).Any(o => !IsInteger(graph.TypeOf(o)));
            case Opcode.BrIf:
                return !IsInteger(graph.TypeOf(instruction.Operands[0])) && !Known.Contains(instruction.Operands[0]);
            case Opcode.Ceq or Opcode.Cne when instruction.Operands.All(o => graph.TypeOf(o).IsReference):
                return !instruction.Operands.All(o => Known.Contains(o) && Lowerer.ElementOf(graph.TypeOf(o)) is not null);
            case Opcode.Return: return instruction.Operands.Count > 0 && !IsInteger(graph.TypeOf(instruction.Operands[0]));
            case Opcode.Jump or Opcode.Switch:
                return instruction.Operands.Any(o => !IsInteger(graph.TypeOf(o)));
            case Opcode.Call or Opcode.CallVirt when IsNativeCall(instruction): return false;
            case Opcode.Call or Opcode.CallVirt or Opcode.ConstrainedCall or Opcode.NewObject or Opcode.NewArray or Opcode.StoreField
                or Opcode.StoreStatic or Opcode.LoadStatic or Opcode.Box or Opcode.Unbox or Opcode.UnboxAny or Opcode.IsInst or Opcode.CastClass
                or Opcode.Throw or Opcode.Rethrow or Opcode.String or Opcode.Token or Opcode.Store or Opcode.InitObj or Opcode.CopyObj:
                return true;
            default:
                return instruction.Operands.Any(o => !IsInteger(graph.TypeOf(o)))
                    || instruction.Result is { } result && !IsInteger(graph.TypeOf(result));
        }
    }

    internal static bool IsInteger(IrType type) =>
        (type.Kind == TypeKind.Enum ? type.Element!.StackKind : type.StackKind) is StackKind.Int32 or StackKind.Int64 or StackKind.NativeInt;
}
