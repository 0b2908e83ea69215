using PeJit.IR;
using PeJit.Specializer.Extension;

namespace PeJit.Specializer.Engine;

// Green keys and exits: entering a key (a residual block per key, a jump when it is known), and the exit
// that hands the merge point's variables back to the interpreter when the unit cannot take the key.
public sealed partial class UnitSpecializer
{
    private sealed partial class Run
    {
        // ---- keys and exits -------------------------------------------------------------------------

        private void EnterKey(GreenKey key, IReadOnlyList<Value> reds)
        {
            if (origin is null) KeyGraph.Add(key);
            else KeyGraph.Add(origin, key);
            if (keyBlocks.TryGetValue(key, out int known))
            {
                Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(new Block(known), reds) } });
                return;
            }
            string? over = keyBlocks.Count >= owner.settings.MaxKeysPerUnit ? $"the unit holds {keyBlocks.Count} green keys (MaxKeysPerUnit)"
                : instructionCount >= owner.settings.MaxResidualInstructions ? $"the unit holds {instructionCount} residual instructions (MaxResidualInstructions)"
                : null;
            if (over is null && allowed is not null && !allowed.Contains(key))
            {
                EmitExit(key, reds, "the key is not on a cycle through the unit's entry", leavesLoop: true);
                return;
            }
            if (over is not null)
            {
                unit.Notes.Add($"exit at {key}: {over}");
                EmitExit(key, reds, over);
                return;
            }
            var block = residual.AddBlock();
            var variables = owner.StateVariables;
            var parameters = new List<Value>(variables.Length - owner.GreenCount);
            for (int i = owner.GreenCount; i < variables.Length; i++)
                parameters.Add(residual.AddParameter(block, portalGraph.TypeOf(variables[i]), portalGraph[variables[i]].Name));
            keyBlocks[key] = block.Index;
            unit.Keys.Add(key);
            Append(new Instruction(Opcode.Jump) { Targets = { new BlockCall(block, reds) } });
            var frame = new ExtensionFrame(owner.program.Portal) { Block = owner.portal.MergeBlock.Index };
            frame.Index = portalGraph[owner.portal.MergeBlock].Instructions.IndexOf(owner.portal.MergePoint) + 1;
            for (int i = 0; i < variables.Length; i++)
            {
                if (i < owner.GreenCount) frame.SetBoxed(variables[i].Index, key.Values[i]);
                else frame.SetRed(variables[i].Index, parameters[i - owner.GreenCount], i >= owner.portal.MergeVariables.Count ? owner.ImplicitRedClass : null);
            }
            // A green read from a local kept in a slot (its address is passed by ref, analysis rule 9, Docs/bta.md rule 11): the step
            // starts after that read, so the slot holds the key's value too (later reads and the address see it).
            var slots = owner.MergeVariableSlots;
            for (int i = 0; i < owner.GreenCount; i++)
                if (slots[i] >= 0) (frame.Slots ??= new(SlotComparer.Instance))[new Slot(slots[i])] = Known.OfGreen(key.Values[i]);
            // A red read from such a slot (a local passed by ref, `Array.Resize(ref stack, ...)`): the step's code reads and
            // writes the residual slot, not the block parameter, so the key's block stores the parameter into it first.
            var saved = current;
            current = block;
            for (int i = owner.GreenCount; i < slots.Length; i++)
                if (slots[i] >= 0) Append(new Instruction(Opcode.StoreSlot, parameters[i - owner.GreenCount]) { Slot = ResidualSlot(frame, new Slot(slots[i])) });
            current = saved;
            // A portal with exception regions runs each step inside a region that hands an exception to the interpreter.
            var start = owner.CatchesSteps ? OpenStep(key, block, parameters, frame) : block;
            pending.Enqueue(new Pending(start, [frame], null, key));
        }

        private void EmitExit(GreenKey key, IReadOnlyList<Value> reds, string reason, bool leavesLoop = false)
        {
            int index = unit.Exits.Count;
            unit.Exits.Add(new CompiledExit(index, key, reason) { LeavesLoop = leavesLoop });
            var slots = new List<ExitSlot> { new(IrType.I32, Known.OfGreen(index)) };
            for (int i = 0; i < owner.MergeVariables.Count; i++)
            {
                var type = portalGraph.TypeOf(owner.MergeVariables[i]);
                slots.Add(new ExitSlot(type, i < owner.GreenCount ? Known.OfGreen(key.Values[i]) : Known.OfRed(reds[i - owner.GreenCount])));
            }
            LeaveUnit(slots);
        }

        private void StoreExit(int slot, Value value) =>
            Append(new Instruction(Opcode.StoreElement, exitBuffer, Constant(slot, IrType.I32), value) { TypeOperand = IrType.Object });

        private Value Box(Value value, IrType type) =>
            type.StackKind is StackKind.Reference ? value : Emit(new Instruction(Opcode.Box, value) { TypeOperand = type }, IrType.Object);

        /// <summary>
        /// Returns from a unit that left at an exit (the exit buffer says so) or whose portal returns nothing: null,
        /// or in a typed unit the return type's default.
        /// </summary>
        private void ReturnDefault()
        {
            var type = residual.ReturnType;
            if (type.Kind == TypeKind.Void) Append(new Instruction(Opcode.Return));
            else if (type.StackKind is StackKind.Reference) Append(new Instruction(Opcode.Return, Emit(new Instruction(Opcode.Null), type)));
            else if (type.Kind is TypeKind.I32 or TypeKind.I64 or TypeKind.Bool) Append(new Instruction(Opcode.Return, Constant(0, type)));
            else Append(new Instruction(Opcode.Return, Emit(new Instruction(Opcode.Default) { TypeOperand = type }, type)));
        }

        /// <summary>The value inside an object: unboxed for value types, cast for references.</summary>
        private Value Unbox(Value element, IrType type) => type.Kind switch
        {
            TypeKind.Object => element,
            _ when type.StackKind is StackKind.Reference => Emit(new Instruction(Opcode.CastClass, element) { TypeOperand = type }, type),
            _ => Emit(new Instruction(Opcode.UnboxAny, element) { TypeOperand = type }, type),
        };
    }
}
