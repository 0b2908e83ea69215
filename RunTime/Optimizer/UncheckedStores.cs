using PeJit.IR;
using PeJit.IR.Graphs;

namespace PeJit.Optimizer;

/// <summary>
/// Turns each <c>stelem</c> of a class type other than <c>object</c> into a call of <see cref="ArrayStores.Store"/>
/// given <c>typeof</c> the array's static type: the store skips .NET's covariance check (a helper call and a cast
/// cache lookup per store, 17% of Lua <c>nbody</c>'s time in its loop unit) when the array is exactly of that type,
/// which a compare of two type objects decides, and falls back to the checked store otherwise.
/// </summary>
/// <remarks>
/// Strategy: last in the pipeline, since every pass before it knows what a <c>stelem</c> does and would see the call
/// as an opaque one (memory promotion and forwarding stop at it). A store stays when the array's static type is not
/// exactly the element type's array (an <c>object</c>, a <c>System.Array</c>): the <c>typeof</c> would not be the type
/// the values were checked against; so does a store of a value typed <c>object</c>. No block is added (RyuJIT's 2,000-block limit, <see cref="JumpThreading"/>).
/// Only stores inside a loop: a store outside every loop runs once per entry or exit of the unit (an exit writing the
/// registers back), where the check costs little and the call's three instructions (about 15 IL bytes against one)
/// push a large unit towards the 60,000 IL bytes past which .NET compiles it without optimizations (Lua <c>nbody</c>'s
/// loop unit writes its registers back at 139 exits).
/// <para>Cost: dominators and loops once (linear), the loops' blocks marked once per loop holding them (the loop
/// nesting depth times the graph, linear for a chain of loops), one pass over the instructions of the blocks in loops;
/// inserting the two instructions before a store costs its block's length, so a single block with many stores is
/// quadratic in its own size (not in the unit's).</para>
/// </remarks>
internal static class UncheckedStores
{
    private static readonly MethodRef Store = new(
        "System.Void PeJit.Optimizer.ArrayStores::Store(System.Array,System.Int32,System.Object,System.Type)", hasThis: false,
        origin: typeof(ArrayStores).GetMethod(nameof(ArrayStores.Store)));

    public static void Run(FlowGraph graph)
    {
        var inLoops = new BlockSet(graph.BlockCount);
        foreach (var loop in NaturalLoop.Find(graph, Dominators.Compute(graph))) inLoops.UnionWith(loop.Blocks);
        foreach (var block in graph.Blocks)
        {
            if (!inLoops.Contains(block)) continue;
            // The entry block runs once per entry, and the AMD64 backend leaves it to a managed stub that reads but does
            // not make type objects: a store there, rewritten, would keep the whole unit out of native code.
            if (block == FlowGraph.Entry) continue;
            var instructions = graph[block].Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var store = instructions[i];
                if (store.Opcode != Opcode.StoreElement || store.TypeOperand is not { Kind: TypeKind.Class } element
                    || element.Name == "System.Object" || graph.TypeOf(store.Operands[0]) is not { Kind: TypeKind.Class } arrayType
                    || arrayType.Name != element.Name + "[]" || !OfAClass(graph.TypeOf(store.Operands[2])))
                    continue;
                var token = new Instruction(Opcode.Token) { TypeOperand = arrayType, Location = store.Location };
                var handle = graph.SetResult(token, IrType.ValueType("System.RuntimeTypeHandle"));
                var typeOf = new Instruction(Opcode.Call, handle) { Method = TypeObjects.FromHandle, Location = store.Location };
                var exact = graph.SetResult(typeOf, IrType.Class("System.Type"));
                instructions.Insert(i, token);
                instructions.Insert(i + 1, typeOf);
                store.Opcode = Opcode.Call;
                store.Method = Store;
                store.TypeOperand = null;
                store.Operands.Add(exact);
                i += 2;
            }
        }
    }

    /// <summary>
    /// True for a value of a class type other than <c>object</c>: verifiable code stores into a <c>C[]</c> only values
    /// the verifier found assignable to C. A value typed <c>object</c> (read back from an <c>object[]</c> without a cast)
    /// keeps the checked store, which is what finds out whether it fits.
    /// </summary>
    private static bool OfAClass(IrType type) => type.Kind == TypeKind.Class && type.Name != "System.Object";
}
