using PeJit.Backends.Amd64.Lowering;
using PeJit.IR;

namespace PeJit.Backends.Amd64.Bridges;

/// <summary>
/// How an exit of a native unit enters a bridge's native code directly: for each of the bridge's argument words, where
/// its value is at the exit. Made only when it can be proven, else null (the runtime then enters the bridge through
/// the managed stub, as a linked unit).
/// </summary>
/// <remarks>
/// Strategy: the exit's tail (the blocks the managed stub runs after the transition) boxes the merge-point variables
/// into the exit buffer; its values are described symbolically (<see cref="Expression"/>) over what native code has:
/// the exit's stored values, the unit's entry state and constants. The bridge's prologue reads its state, which is
/// that exit buffer; its words are described the same way. A word is found when its description is an exit value, a
/// constant, or the description of one of the unit's own words (the same array read the same way from the same
/// object, so pinned by the unit's stub for the whole call). The tail must do nothing but write the exit buffer:
/// it runs after the bridge (the managed stub needs the exit's state to finish the bridge's exits), so anything
/// else it did would happen out of order. Neither may call helpers: a helper may write a field either one read
/// before native code ran.
/// </remarks>
public sealed class BridgePlan
{
    private BridgePlan(MachineExit exit, IReadOnlyList<BridgeSource> words)
    {
        Exit = exit;
        Words = words;
    }

    /// <summary>The unit's exit (a transition) the plan enters the bridge from.</summary>
    public MachineExit Exit { get; }

    /// <summary>Per bridge argument word, where it comes from.</summary>
    public IReadOnlyList<BridgeSource> Words { get; }

    /// <summary>A symbolic value: an exit value, a constant, the entry state's slot, an object constant, and what reads, casts or boxes them.</summary>
    private abstract record Expression;
    private sealed record StoredValue(int Index) : Expression;
    private sealed record Integer(long Value) : Expression;
    private sealed record NullReference : Expression;
    private sealed record EntrySlot(long Index) : Expression;
    private sealed record ObjectConstant(int Identity) : Expression;
    private sealed record Cast(string Type, Expression Operand) : Expression;
    private sealed record Boxed(string Type, Expression Operand) : Expression;
    private sealed record Unboxed(string Type, Expression Operand) : Expression;
    private sealed record Field(string Name, Expression Owner) : Expression;

    /// <summary>Identities of object constants, by reference.</summary>
    private sealed class Objects
    {
        private readonly Dictionary<object, int> ids = new(ReferenceEqualityComparer.Instance);
        public int Of(object? o) => o is null ? -1 : ids.TryGetValue(o, out int id) ? id : ids[o] = ids.Count;
    }

    /// <summary>
    /// The plans for entering <paramref name="bridge"/> from each transition of <paramref name="unit"/> whose tail leaves at
    /// the unit's exit number <paramref name="exitIndex"/> (the runtime's, written into the exit buffer's slot 0).
    /// <paramref name="stateOffset"/>: the slot of the exit buffer the bridge's state starts at (1, or 0 for a case bridge).
    /// </summary>
    public static List<BridgePlan> Make(Amd64CompiledCode unit, object[] unitConstants, int exitIndex, Amd64CompiledCode bridge, object[] bridgeConstants, int stateOffset = 1)
    {
        var plans = new List<BridgePlan>();
        if (unit.Function.Calls.Count > 0 || bridge.Function.Calls.Count > 0) return plans;
        if (unit.Graph.Parameters.Count != 3 || bridge.Graph.Parameters.Count != 3) return plans;
        if (bridge.Function.Arguments.Count > Amd64CompiledCode.BridgeWords) return plans;
        var objects = new Objects();
        foreach (var exit in unit.Function.Exits)
        {
            if (exit.Reason != ExitReason.Transition) continue;
            var slots = ExitBuffer(unit.Graph, exit, unitConstants, objects);
            if (slots is null || slots.GetValueOrDefault(0) is not Boxed(_, Integer { Value: var number }) || number != exitIndex) continue;
            if (Sources(unit, unitConstants, bridge, bridgeConstants, slots, objects, stateOffset) is { } words) plans.Add(new BridgePlan(exit, words));
        }
        return plans;
    }

    private static Dictionary<Value, Instruction> Definitions(FlowGraph graph)
    {
        var definitions = new Dictionary<Value, Instruction>();
        foreach (var block in graph.Blocks)
            foreach (var instruction in graph[block].Instructions)
                if (instruction.Result is { } result) definitions[result] = instruction;
        return definitions;
    }

    /// <summary>What the tail of <paramref name="exit"/> writes into each slot of the exit buffer; null when it does anything else.</summary>
    private static Dictionary<long, Expression?>? ExitBuffer(FlowGraph graph, MachineExit exit, object[] constants, Objects objects)
    {
        var definitions = Definitions(graph);
        var environment = new Dictionary<Value, Expression?>();
        for (int k = 0; k < exit.Stored.Count; k++) environment[exit.Stored[k]] = new StoredValue(k);
        foreach (var (parameter, source) in exit.Parameters)
            environment[parameter] = environment.TryGetValue(source, out var known) ? known : Describe(graph, definitions, source, environment, constants, objects);
        var slots = new Dictionary<long, Expression?>();
        var block = exit.Target!.Value;
        for (int steps = 0; steps < 64; steps++)
        {
            foreach (var instruction in graph[block].Instructions)
            {
                switch (instruction.Opcode)
                {
                    case Opcode.Const or Opcode.Null or Opcode.Box or Opcode.LoadElement or Opcode.CastClass or Opcode.UnboxAny or Opcode.LoadField:
                        continue;
                    case Opcode.StoreElement when instruction.Operands[0] == graph.Parameters[1]
                        && Describe(graph, definitions, instruction.Operands[1], environment, constants, objects) is Integer index:
                        slots[index.Value] = Describe(graph, definitions, instruction.Operands[2], environment, constants, objects);
                        continue;
                    case Opcode.Return:
                        return slots;
                    case Opcode.Jump:
                    {
                        var target = instruction.Targets[0];
                        var parameters = graph[target.Target].Parameters;
                        for (int i = 0; i < parameters.Count; i++)
                            environment[parameters[i]] = Describe(graph, definitions, target.Arguments[i], environment, constants, objects);
                        block = target.Target;
                        goto next;
                    }
                    default:
                        return null;
                }
            }
            return null;
        next:;
        }
        return null;
    }

    /// <summary>The symbolic value of <paramref name="value"/>; null when it is none of the forms above.</summary>
    private static Expression? Describe(FlowGraph graph, Dictionary<Value, Instruction> definitions, Value value, Dictionary<Value, Expression?> environment, object[] constants, Objects objects)
    {
        if (environment.TryGetValue(value, out var known)) return known;
        if (!definitions.TryGetValue(value, out var instruction)) return null;
        Expression? Operand(int i) => Describe(graph, definitions, instruction.Operands[i], environment, constants, objects);
        switch (instruction.Opcode)
        {
            case Opcode.Const when ManagedRegions.IsInteger(graph.TypeOf(value)):
                return new Integer(instruction.Integer);
            case Opcode.Null:
                return new NullReference();
            case Opcode.LoadElement when Operand(1) is Integer index:
                if (instruction.Operands[0] == graph.Parameters[2]) return new EntrySlot(index.Value);
                if (instruction.Operands[0] == graph.Parameters[0] && index.Value >= 0 && index.Value < constants.Length) return new ObjectConstant(objects.Of(constants[index.Value]));
                return null;
            case Opcode.CastClass:
            {
                string type = instruction.TypeOperand!.ToString();
                var operand = Operand(0);
                return operand is null ? null : operand is Cast cast && cast.Type == type ? cast : new Cast(type, operand);
            }
            case Opcode.Box:
                return Operand(0) is { } boxed ? new Boxed(instruction.TypeOperand!.ToString(), boxed) : null;
            case Opcode.UnboxAny:
            {
                string type = instruction.TypeOperand!.ToString();
                var operand = Operand(0);
                return operand is null ? null : operand is Boxed box && box.Type == type ? box.Operand : new Unboxed(type, operand);
            }
            case Opcode.LoadField when instruction.Operands.Count == 1:
                return Operand(0) is { } owner ? new Field(instruction.Field!.ToString(), owner) : null;
            default:
                return null;
        }
    }

    /// <summary>Where each of the bridge's words is at the exit whose buffer <paramref name="slots"/> describes; null when one is nowhere provable.</summary>
    private static List<BridgeSource>? Sources(Amd64CompiledCode unit, object[] unitConstants, Amd64CompiledCode bridge, object[] bridgeConstants, Dictionary<long, Expression?> slots, Objects objects,
        int stateOffset)
    {
        // The unit's words, described over its entry state.
        var unitDefinitions = Definitions(unit.Graph);
        var own = new Dictionary<(ArgumentKind, Expression), int>();
        var arguments = unit.Function.Arguments;
        for (int m = 0; m < arguments.Count; m++)
            if (Describe(unit.Graph, unitDefinitions, arguments[m].Value, [], unitConstants, objects) is { } described)
                own.TryAdd((arguments[m].Kind, described), m);
        // The bridge's state is the exit buffer from slot stateOffset (1: the merge point's variables; 0: a case bridge's whole buffer).
        var graph = bridge.Graph;
        var definitions = Definitions(graph);
        var environment = new Dictionary<Value, Expression?>();
        foreach (var (value, instruction) in definitions)
            if (instruction is { Opcode: Opcode.LoadElement } && instruction.Operands[0] == graph.Parameters[2]
                && definitions.TryGetValue(instruction.Operands[1], out var index) && index.Opcode == Opcode.Const)
                environment[value] = slots.GetValueOrDefault(index.Integer + stateOffset);
        var words = new List<BridgeSource>();
        foreach (var word in bridge.Function.Arguments)
        {
            var described = Describe(graph, definitions, word.Value, environment, bridgeConstants, objects);
            if (described is null) return null;
            if (own.TryGetValue((word.Kind, described), out int m)) words.Add(new BridgeSource(BridgeSourceKind.Argument, m, 0));
            else if (word.Kind == ArgumentKind.Primitive && described is StoredValue stored) words.Add(new BridgeSource(BridgeSourceKind.Stored, stored.Index, 0));
            else if (word.Kind == ArgumentKind.Primitive && described is Integer constant) words.Add(new BridgeSource(BridgeSourceKind.Immediate, 0, constant.Value));
            else if (word.Kind is ArgumentKind.Presence or ArgumentKind.ArrayBase or ArgumentKind.ArrayLength && described is NullReference) words.Add(new BridgeSource(BridgeSourceKind.Immediate, 0, 0));
            else return null;
        }
        return words;
    }
}
