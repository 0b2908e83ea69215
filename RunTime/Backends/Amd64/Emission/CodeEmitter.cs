using Iced.Intel;
using PeJit.Backends.Amd64.Calls;
using PeJit.Backends.Amd64.Lowering;
using PeJit.Backends.Amd64.RegisterAllocation;
using PeJit.IR.Semantics;
using static Iced.Intel.AssemblerRegisters;
using static PeJit.Backends.Amd64.Emission.PhysicalRegisters;

namespace PeJit.Backends.Amd64.Emission;

/// <summary>
/// Emits an allocated machine function through Iced's <see cref="Assembler"/>: the System V function
/// <c>long f(long* arguments)</c> that returns 0 after writing its result to <c>arguments[0]</c>, or the number of
/// the exit it left at.
/// </summary>
/// <remarks>
/// Strategy: every machine instruction is a short fixed sequence. rax, rcx, rdx and r11 are scratch (the
/// allocator never hands them out): a spilled operand is loaded into one, division uses rdx:rax, shift counts
/// cl, parallel moves break cycles through r11. Each instruction reads all its operands before it writes its
/// result, because an operand's register may be the result's (their intervals touch). Frame:
/// <c>push rbp; mov rbp, rsp</c>, then below rbp the argument pointer, the callee-saved registers the allocation
/// wrote, and the spill slots; the epilogue restores them. Blocks go in layout order, so a loop's back edge is
/// its one backward branch (a <c>jmp</c>, or the loop's test copied there when the head is only that test); a conditional edge with moves goes through a trampoline after the last block; each exit is a
/// stub at the end that returns its number.
/// </remarks>
public sealed class CodeEmitter
{
    private readonly MachineFunction function;
    private readonly Allocation allocation;
    private readonly Assembler assembler = new(64);
    private readonly Label[] blocks;
    private readonly Dictionary<MachineExit, Label> exits = [];
    private readonly Dictionary<MachineExit, Label> stubs = [];
    private readonly List<(Label Label, MachineEdge Edge)> trampolines = [];
    private readonly List<(int Index, string Origin)> origins = [];
    private Label epilogue;
    // The number of the block laid out after the one being emitted (-1 after the last): a jump there falls through.
    private int next = -1;
    // Where each emitted block is in the layout, the position of the one being emitted, and whether a loop's test
    // is being copied to its back edge (the copy's own jumps are plain ones).
    private readonly Dictionary<int, int> emittedAt = [];
    private int emitting;
    private bool inverting;

    private readonly long exitCounters;
    private readonly long callContext;
    // Caller-saved registers the allocator hands out: a helper call saves and restores them around itself.
    private readonly List<Register> callerSaved;

    private CodeEmitter(MachineFunction function, Allocation allocation, long exitCounters, long callContext)
    {
        this.function = function;
        this.allocation = allocation;
        this.exitCounters = exitCounters;
        this.callContext = callContext;
        callerSaved = function.Calls.Count == 0 ? [] : LinearScan.Allocatable.Where(r => !LinearScan.CalleeSaved.Contains(r)).ToList();
        blocks = function.Blocks.Select(_ => assembler.CreateLabel()).ToArray();
        foreach (var exit in function.Exits)
        {
            exits[exit] = assembler.CreateLabel();
            stubs[exit] = assembler.CreateLabel();
        }
        epilogue = assembler.CreateLabel();
    }

    /// <summary>
    /// Emits <paramref name="function"/> as allocated by <paramref name="allocation"/>; each exit adds one to its
    /// 64-bit counter at <paramref name="exitCounters"/> + 8 × its number (the unit's read-write data block), and is
    /// reached through its target slot (<see cref="SlotAddress"/>), which the caller points at the exit's stub.
    /// </summary>
    /// <remarks>A helper call passes <paramref name="callContext"/> to the trampoline (<see cref="HelperCalls"/>): the unit's call table.</remarks>
    public static EmittedCode Emit(MachineFunction function, Allocation allocation, long exitCounters, long callContext = 0) =>
        new CodeEmitter(function, allocation, exitCounters, callContext).Run();

    /// <summary>
    /// Where exit <paramref name="number"/>'s target slot is in a data block at <paramref name="data"/> for
    /// <paramref name="exits"/> exits: after the counters (index 0 unused), one 64-bit code address per exit.
    /// </summary>
    public static long SlotAddress(long data, int exits, int number) => data + 8 * (exits + 1) + 8 * (number - 1);

    /// <summary>The bytes of a data block for <paramref name="exits"/> exits: the counters and the target slots.</summary>
    public static int DataBytes(int exits) => 8 * (2 * exits + 1);

    // Where the last label was bound: Iced binds one label per instruction, so two labels in a row (a block whose
    // jump falls through and emits nothing, before the next) get a nop between them.
    private int labeledAt = -1;

    private void Bind(ref Label label)
    {
        if (assembler.Instructions.Count == labeledAt) assembler.nop();
        assembler.Label(ref label);
        labeledAt = assembler.Instructions.Count;
    }

    private int CalleeSavedOffset(int index) => 16 + 8 * index;

    private int SlotOffset(int slot) => 16 + 8 * allocation.CalleeSaved.Count + 8 * slot;

    // Below the spill slots: the words of a helper call (word 0 lowest, so they are an array), then the caller-saved registers.
    private int CallWordOffset(int word) => 8 + 8 * allocation.CalleeSaved.Count + 8 * allocation.SpillSlots + 8 * function.CallWords - 8 * word;

    private int CallerSavedOffset(int index) => 8 + 8 * allocation.CalleeSaved.Count + 8 * allocation.SpillSlots + 8 * function.CallWords + 8 * (index + 1);

    private EmittedCode Run()
    {
        // The frame is a multiple of 16, so rsp is 16-byte aligned at a helper call, as System V wants.
        int frame = (8 + 8 * allocation.CalleeSaved.Count + 8 * allocation.SpillSlots + 8 * function.CallWords + 8 * callerSaved.Count + 15) & ~15;
        assembler.push(rbp);
        assembler.mov(rbp, rsp);
        assembler.sub(rsp, frame);
        assembler.mov(__qword_ptr[rbp - 8], rdi);
        for (int i = 0; i < allocation.CalleeSaved.Count; i++)
            assembler.mov(__qword_ptr[rbp - CalleeSavedOffset(i)], Q(allocation.CalleeSaved[i]));
        // The argument pointer stays in r11 until the arguments are loaded (rdi may be allocated).
        assembler.mov(r11, rdi);
        // A block the managed stub runs (a tail) has no machine code, and nothing jumps to it.
        // Nor does a block that only jumps on without moves after the first (every jump to it goes past it, Forward).
        var emitted = function.Blocks.Where((b, i) => b.Instructions.Count > 0 && (i == 0 || Forward(b.Number) == b.Number)).ToList();
        for (int k = 0; k < emitted.Count; k++) emittedAt[emitted[k].Number] = k;
        for (int k = 0; k < emitted.Count; k++)
        {
            var block = emitted[k];
            emitting = k;
            next = k + 1 < emitted.Count ? emitted[k + 1].Number : -1;
            Bind(ref blocks[block.Number]);
            var instructions = block.Instructions;
            for (int i = 0; i < instructions.Count; i++)
            {
                var instruction = instructions[i];
                if (instruction.Origin is { } origin) origins.Add((assembler.Instructions.Count, origin));
                // A two-way branch (a compare-branch and the block's jump) is laid out as one unit.
                if (instruction is { Opcode: MachineOpcode.CompareBranch, Edge.Exit: null } && i == instructions.Count - 2
                    && instructions[i + 1] is { Opcode: MachineOpcode.Jump, Edge.Exit: null } jump)
                {
                    if (jump.Origin is { } jumpOrigin) origins.Add((assembler.Instructions.Count, jumpOrigin));
                    EmitTwoWay(instruction, jump);
                    break;
                }
                Emit(instruction, block);
            }
        }
        // The conditional edges with moves, out of line after every block: a block's fall-through stays its next block.
        foreach (var (label, edge) in trampolines)
        {
            var target = label;
            Bind(ref target);
            Moves(edge);
            assembler.jmp(blocks[Forward(edge.Target)]);
        }
        // Each guard branches to its exit's jump through the exit's target slot: one indirect jump, so that a new
        // path can be attached to a running unit by one atomic write of the slot (r11 is scratch here).
        foreach (var exit in function.Exits)
        {
            var jump = exits[exit];
            Bind(ref jump);
            assembler.mov(r11, SlotAddress(exitCounters, function.Exits.Count, exit.Number));
            assembler.jmp(__qword_ptr[r11]);
        }
        foreach (var exit in function.Exits)
        {
            var label = stubs[exit];
            Bind(ref label);
            // Label records its instruction in the copy; GetLabelRIP reads it from there.
            stubs[exit] = label;
            // A transition stores the values the managed stub's tail needs into the argument block first.
            if (exit.Values.Count > 0) assembler.mov(r11, __qword_ptr[rbp - 8]);
            for (int i = 0; i < exit.Values.Count; i++)
            {
                Load(Register.RAX, exit.Values[i]);
                assembler.mov(__qword_ptr[r11 + 8 * i], rax);
            }
            // lock: threads running the unit at once each count (an exit is off the hot path, so the lock is cheap).
            assembler.mov(r11, exitCounters);
            assembler.@lock.inc(__qword_ptr[r11 + 8 * exit.Number]);
            assembler.mov(eax, exit.Number);
            assembler.jmp(epilogue);
        }
        Bind(ref epilogue);
        var epilogueLabel = epilogue;
        for (int i = 0; i < allocation.CalleeSaved.Count; i++)
            assembler.mov(Q(allocation.CalleeSaved[i]), __qword_ptr[rbp - CalleeSavedOffset(i)]);
        assembler.mov(rsp, rbp);
        assembler.pop(rbp);
        assembler.ret();

        var stream = new MemoryStream();
        var result = assembler.Assemble(new StreamCodeWriter(stream), 0, BlockEncoderOptions.ReturnNewInstructionOffsets);
        var offsets = result.Result[0].NewInstructionOffsets;
        var stubOffsets = new ulong[function.Exits.Count + 1];
        foreach (var exit in function.Exits)
        {
            var stub = stubs[exit];
            stubOffsets[exit.Number] = result.GetLabelRIP(stub);
        }
        return new EmittedCode(stream.ToArray(), origins.Select(o => (offsets[o.Index], o.Origin)).ToList(), assembler.Instructions.ToList(), stubOffsets, result.GetLabelRIP(epilogueLabel));
    }

    /// <summary>
    /// The adapter attached at a unit's exit to enter a bridge natively (<see cref="Bridges.BridgePlan"/>): in the unit's
    /// frame, it writes the bridge's argument words into the unit's argument block from word <paramref name="bridgeBlock"/>
    /// (each from the exit's values where the allocation put them, the unit's own words, or constants), then the exit's
    /// values into words 0 and up as the exit's stub does (the managed stub runs the exit's tail from them), calls the
    /// bridge's code at <paramref name="bridge"/> (System V, the block's address in rdi; rsp is 16-byte aligned in the
    /// unit's frame), and ends at the unit's epilogue (<paramref name="epilogue"/>) with the status
    /// <c>(bridge status + 1) &lt;&lt; 16 | exit number</c>. The unit's registers are not needed after the exit, so the
    /// bridge may clobber the caller-saved ones; it preserves the callee-saved ones the epilogue restores.
    /// </summary>
    public static byte[] EmitBridgeAdapter(MachineFunction function, Allocation allocation, Bridges.BridgePlan plan, int bridgeBlock, long bridge, long epilogue)
    {
        var emitter = new CodeEmitter(function, allocation, 0, 0);
        var assembler = emitter.assembler;
        var exit = plan.Exit;
        assembler.mov(r11, __qword_ptr[rbp - 8]);
        for (int j = 0; j < plan.Words.Count; j++)
        {
            var word = plan.Words[j];
            switch (word.Kind)
            {
                case Bridges.BridgeSourceKind.Stored: emitter.Load(Register.RAX, exit.Values[word.Index]); break;
                case Bridges.BridgeSourceKind.Argument: assembler.mov(rax, __qword_ptr[r11 + 8 * word.Index]); break;
                default: emitter.Load(Register.RAX, MachineOperand.Constant(word.Immediate)); break;
            }
            assembler.mov(__qword_ptr[r11 + 8 * (bridgeBlock + j)], rax);
        }
        for (int i = 0; i < exit.Values.Count; i++)
        {
            emitter.Load(Register.RAX, exit.Values[i]);
            assembler.mov(__qword_ptr[r11 + 8 * i], rax);
        }
        assembler.lea(rdi, __qword_ptr[r11 + 8 * bridgeBlock]);
        assembler.mov(rax, bridge);
        assembler.call(rax);
        assembler.inc(rax);
        assembler.shl(rax, 16);
        assembler.or(rax, exit.Number);
        assembler.mov(r11, epilogue);
        assembler.jmp(r11);
        var stream = new MemoryStream();
        assembler.Assemble(new StreamCodeWriter(stream), 0);
        return stream.ToArray();
    }

    private void Emit(MachineInstruction instruction, MachineBlock block)
    {
        var operands = instruction.Operands;
        switch (instruction.Opcode)
        {
            case MachineOpcode.LoadArgument:
                LoadFromMemory(instruction.Result!.Value, __qword_ptr[r11 + 8 * instruction.ArgumentIndex]);
                break;
            case MachineOpcode.Move:
            {
                var work = Work(instruction.Result!.Value);
                Load(work, operands[0]);
                Store(instruction.Result!.Value, work);
                break;
            }
            case MachineOpcode.Add or MachineOpcode.Subtract or MachineOpcode.Multiply or MachineOpcode.And or MachineOpcode.Or or MachineOpcode.Xor:
                EmitArithmetic(instruction);
                break;
            case MachineOpcode.ShiftLeft or MachineOpcode.ShiftRight or MachineOpcode.ShiftRightUnsigned:
                EmitShift(instruction);
                break;
            case MachineOpcode.Negate or MachineOpcode.Not:
            {
                var work = Work(instruction.Result!.Value);
                Load(work, operands[0]);
                if (instruction.Width == 32)
                {
                    if (instruction.Opcode == MachineOpcode.Negate) assembler.neg(D(work)); else assembler.not(D(work));
                    if (!instruction.Narrowed) assembler.movsxd(Q(work), D(work));
                }
                else if (instruction.Opcode == MachineOpcode.Negate) assembler.neg(Q(work));
                else assembler.not(Q(work));
                Store(instruction.Result!.Value, work);
                break;
            }
            case MachineOpcode.Extend:
            {
                // One instruction from the source's register (or a constant loaded into rax) into the result's.
                var source = InRegister(operands[0], Register.RAX);
                var work = Work(instruction.Result!.Value);
                switch (instruction.Width, instruction.Signed)
                {
                    case (8, true): assembler.movsx(Q(work), B(source)); break;
                    case (8, false): assembler.movzx(D(work), B(source)); break;
                    case (16, true): assembler.movsx(Q(work), W(source)); break;
                    case (16, false): assembler.movzx(D(work), W(source)); break;
                    case (32, true): assembler.movsxd(Q(work), D(source)); break;
                    case (32, false): assembler.mov(D(work), D(source)); break;
                }
                Store(instruction.Result!.Value, work);
                break;
            }
            case MachineOpcode.Divide or MachineOpcode.DivideUnsigned or MachineOpcode.Remainder or MachineOpcode.RemainderUnsigned:
                EmitDivision(instruction);
                break;
            case MachineOpcode.MultiplyHigh:
            {
                // One-operand imul: rdx:rax = rax * b, signed; the high half is rdx (edx at 32 bits).
                Load(Register.RAX, operands[0]);
                var b = InRegister(operands[1], Register.RCX);
                if (instruction.Width == 64) assembler.imul(Q(b));
                else
                {
                    assembler.imul(D(b));
                    if (!instruction.Narrowed) assembler.movsxd(rdx, edx);
                }
                Store(instruction.Result!.Value, Register.RDX);
                break;
            }
            case MachineOpcode.SetCondition:
            {
                Compare(operands[0], operands[1]);
                SetCondition(instruction.Condition);
                var work = Work(instruction.Result!.Value);
                assembler.movzx(D(work), al);
                Store(instruction.Result!.Value, work);
                break;
            }
            case MachineOpcode.Load: EmitLoad(instruction); break;
            case MachineOpcode.CallHelper: EmitCall(instruction); break;
            case MachineOpcode.Store: EmitStore(instruction); break;
            case MachineOpcode.CompareBranch:
                Compare(operands[0], operands[1]);
                Branch(instruction.Condition, EdgeLabel(instruction.Edge!));
                break;
            case MachineOpcode.Jump when instruction.Edge!.Exit is { } exit:
                assembler.jmp(exits[exit]);
                break;
            case MachineOpcode.Jump:
                JumpAlong(instruction.Edge!);
                break;
            case MachineOpcode.Return:
                if (operands.Count > 0)
                {
                    Load(Register.RAX, operands[0]);
                    assembler.mov(r11, __qword_ptr[rbp - 8]);
                    assembler.mov(__qword_ptr[r11], rax);
                }
                assembler.xor(eax, eax);
                assembler.jmp(epilogue);
                break;
            default:
                throw new InvalidOperationException($"{function.Name}: the emitter has no case for {instruction}");
        }
    }

    /// <summary>
    /// A helper call: the words into the frame's call area, the caller-saved registers the allocator uses saved,
    /// <c>HelperCalls.Call(context, site, words)</c>, the registers restored, then the helper-threw exit when the
    /// status is not 0, else the result from word 0.
    /// </summary>
    private void EmitCall(MachineInstruction instruction)
    {
        var operands = instruction.Operands;
        for (int i = 0; i < operands.Count; i++)
        {
            Load(Register.RAX, operands[i]);
            assembler.mov(__qword_ptr[rbp - CallWordOffset(i)], rax);
        }
        for (int i = 0; i < callerSaved.Count; i++) assembler.mov(__qword_ptr[rbp - CallerSavedOffset(i)], Q(callerSaved[i]));
        assembler.mov(rdi, callContext);
        assembler.mov(esi, instruction.ArgumentIndex);
        assembler.lea(rdx, __qword_ptr[rbp - CallWordOffset(0)]);
        assembler.mov(rax, (long)HelperCalls.Address);
        assembler.call(rax);
        for (int i = 0; i < callerSaved.Count; i++) assembler.mov(Q(callerSaved[i]), __qword_ptr[rbp - CallerSavedOffset(i)]);
        assembler.test(eax, eax);
        assembler.jne(exits[instruction.Exits[0]]);
        if (instruction.Result is { } result) LoadFromMemory(result, __qword_ptr[rbp - CallWordOffset(0)]);
    }

    private Location Of(VirtualRegister register) => allocation[register];

    /// <summary>The register to compute a result in: its own, or rax when it is spilled (then <see cref="Store"/> writes the slot).</summary>
    private Register Work(VirtualRegister result) => Of(result) is { IsSpilled: false } location ? location.Register : Register.RAX;

    private AssemblerMemoryOperand Slot(Location location) => __qword_ptr[rbp - SlotOffset(location.Slot)];

    /// <summary>Loads an operand into <paramref name="target"/>, all 64 bits.</summary>
    private void Load(Register target, MachineOperand operand)
    {
        if (operand.IsImmediate)
        {
            if (operand.Immediate == 0) assembler.xor(D(target), D(target));
            else assembler.mov(Q(target), operand.Immediate);
            return;
        }
        var location = Of(operand.Register!.Value);
        if (location.IsSpilled) assembler.mov(Q(target), Slot(location));
        else if (location.Register != target) assembler.mov(Q(target), Q(location.Register));
    }

    /// <summary>The register an operand is in, loading it into <paramref name="scratch"/> when it is spilled or a constant.</summary>
    private Register InRegister(MachineOperand operand, Register scratch)
    {
        if (!operand.IsImmediate && Of(operand.Register!.Value) is { IsSpilled: false } location) return location.Register;
        Load(scratch, operand);
        return scratch;
    }

    private void Store(VirtualRegister result, Register source)
    {
        var location = Of(result);
        if (location.IsSpilled) assembler.mov(Slot(location), Q(source));
        else if (location.Register != source) assembler.mov(Q(location.Register), Q(source));
    }

    private void LoadFromMemory(VirtualRegister result, AssemblerMemoryOperand memory)
    {
        var location = Of(result);
        if (!location.IsSpilled)
        {
            assembler.mov(Q(location.Register), memory);
            return;
        }
        assembler.mov(rax, memory);
        assembler.mov(Slot(location), rax);
    }

    private void EmitArithmetic(MachineInstruction instruction)
    {
        var (a, b) = (instruction.Operands[0], instruction.Operands[1]);
        var result = Of(instruction.Result!.Value);
        // Work in the result's register unless it holds b (which the first move would overwrite); else in rax.
        bool resultHoldsB = !b.IsImmediate && Of(b.Register!.Value) == result;
        var work = !result.IsSpilled && !resultHoldsB ? result.Register : Register.RAX;
        if (instruction.Opcode == MachineOpcode.Multiply && b.IsImmediate && !a.IsImmediate)
        {
            // One instruction from a's register (or rcx): a copy, lea or shift where one does it and no overflow is
            // checked (they set no overflow flag), else the three-operand imul, which spares the copy of a.
            var source = InRegister(a, Register.RCX);
            if (instruction.Edge is not null || !MultiplyByShiftsAndAdds(work, source, b.Immediate))
            {
                if (instruction.Width == 64) assembler.imul(Q(work), Q(source), checked((int)b.Immediate));
                else assembler.imul(D(work), D(source), checked((int)b.Immediate));
            }
        }
        else
        {
            Load(work, a);
            Alu(instruction.Opcode, instruction.Width == 64, work, b);
        }
        if (instruction.Edge is { } overflow) Branch(instruction.Condition, EdgeLabel(overflow));
        if (instruction.Width == 32 && !instruction.Narrowed) assembler.movsxd(Q(work), D(work));
        Store(instruction.Result!.Value, work);
    }

    /// <summary>
    /// <c>target = source * factor</c> (all 64 bits, wrapping as <c>imul</c> does; the low 32 bits are the 32-bit product)
    /// in one instruction that is not a multiply: a copy for 1, <c>lea</c> for 2, 3, 4, 5, 8 and 9, a shift in place for
    /// other powers of two. False, with nothing emitted, for any other factor: then one <c>imul</c>, which measured
    /// faster here than RyuJIT's two-instruction forms (<c>lea</c> and <c>sub</c> for 7, two <c>lea</c>s for 13): a
    /// 2026 EPYC (family 26) runs the loop <c>sum += i * 7 % 13</c> in 0.79 ns a turn with <c>imul</c> for both
    /// products, 0.88 with RyuJIT's <c>lea</c> and <c>sub</c> for 7, 0.87 with <c>lea</c> pairs for both (the
    /// instructions per turn count more than the multiplier's latency there).
    /// </summary>
    private bool MultiplyByShiftsAndAdds(Register target, Register source, long factor)
    {
        if (factor <= 0 || factor > int.MaxValue) return false;
        var (t, x) = (Q(target), Q(source));
        switch (factor)
        {
            case 1:
                if (target != source) assembler.mov(t, x);
                return true;
            case 2 or 4 or 8 when target != source:
                assembler.lea(t, __qword_ptr[x * (int)factor]);
                return true;
            case 3 or 5 or 9:
                assembler.lea(t, __qword_ptr[x + x * (int)(factor - 1)]);
                return true;
            case var _ when target == source && System.Numerics.BitOperations.IsPow2(factor):
                assembler.shl(t, (byte)System.Numerics.BitOperations.Log2((ulong)factor));
                return true;
            default:
                return false;
        }
    }

    /// <summary><c>target = target op b</c>, in 64 or 32 bits, with b an immediate, a register or a spill slot.</summary>
    private void Alu(MachineOpcode opcode, bool wide, Register target, MachineOperand b)
    {
        if (b.IsImmediate)
        {
            int immediate = checked((int)b.Immediate);
            if (wide)
            {
                var t = Q(target);
                switch (opcode)
                {
                    case MachineOpcode.Add: assembler.add(t, immediate); break;
                    case MachineOpcode.Subtract: assembler.sub(t, immediate); break;
                    case MachineOpcode.Multiply: assembler.imul(t, t, immediate); break;
                    case MachineOpcode.And: assembler.and(t, immediate); break;
                    case MachineOpcode.Or: assembler.or(t, immediate); break;
                    default: assembler.xor(t, immediate); break;
                }
            }
            else
            {
                var t = D(target);
                switch (opcode)
                {
                    case MachineOpcode.Add: assembler.add(t, immediate); break;
                    case MachineOpcode.Subtract: assembler.sub(t, immediate); break;
                    case MachineOpcode.Multiply: assembler.imul(t, t, immediate); break;
                    case MachineOpcode.And: assembler.and(t, immediate); break;
                    case MachineOpcode.Or: assembler.or(t, immediate); break;
                    default: assembler.xor(t, immediate); break;
                }
            }
            return;
        }
        // A register or a spill slot: one instruction of the r, r/m form, whose Iced code says the width.
        var code = RegisterForm(opcode, wide);
        var destination = wide ? target : D(target).Value;
        var source = Of(b.Register!.Value);
        assembler.AddInstruction(source.IsSpilled
            ? Instruction.Create(code, destination, Slot(source).ToMemoryOperand(64))
            : Instruction.Create(code, destination, wide ? source.Register : D(source.Register).Value));
    }

    /// <summary>Iced's code for <c>target = target op source</c> with the source a register or memory.</summary>
    private static Code RegisterForm(MachineOpcode opcode, bool wide) => opcode switch
    {
        MachineOpcode.Add => wide ? Code.Add_r64_rm64 : Code.Add_r32_rm32,
        MachineOpcode.Subtract => wide ? Code.Sub_r64_rm64 : Code.Sub_r32_rm32,
        MachineOpcode.Multiply => wide ? Code.Imul_r64_rm64 : Code.Imul_r32_rm32,
        MachineOpcode.And => wide ? Code.And_r64_rm64 : Code.And_r32_rm32,
        MachineOpcode.Or => wide ? Code.Or_r64_rm64 : Code.Or_r32_rm32,
        _ => wide ? Code.Xor_r64_rm64 : Code.Xor_r32_rm32,
    };

    private void EmitShift(MachineInstruction instruction)
    {
        var (a, count) = (instruction.Operands[0], instruction.Operands[1]);
        if (!count.IsImmediate) Load(Register.RCX, count);
        // The count is in cl by now, so the result's register may be overwritten even if it held the count.
        var work = Work(instruction.Result!.Value);
        Load(work, a);
        bool wide = instruction.Width == 64;
        if (count.IsImmediate)
        {
            byte amount = (byte)(count.Immediate & (wide ? 63 : 31));
            switch (instruction.Opcode, wide)
            {
                case (MachineOpcode.ShiftLeft, true): assembler.shl(Q(work), amount); break;
                case (MachineOpcode.ShiftRight, true): assembler.sar(Q(work), amount); break;
                case (MachineOpcode.ShiftRightUnsigned, true): assembler.shr(Q(work), amount); break;
                case (MachineOpcode.ShiftLeft, false): assembler.shl(D(work), amount); break;
                case (MachineOpcode.ShiftRight, false): assembler.sar(D(work), amount); break;
                default: assembler.shr(D(work), amount); break;
            }
        }
        else
        {
            switch (instruction.Opcode, wide)
            {
                case (MachineOpcode.ShiftLeft, true): assembler.shl(Q(work), cl); break;
                case (MachineOpcode.ShiftRight, true): assembler.sar(Q(work), cl); break;
                case (MachineOpcode.ShiftRightUnsigned, true): assembler.shr(Q(work), cl); break;
                case (MachineOpcode.ShiftLeft, false): assembler.shl(D(work), cl); break;
                case (MachineOpcode.ShiftRight, false): assembler.sar(D(work), cl); break;
                default: assembler.shr(D(work), cl); break;
            }
        }
        if (!wide && !instruction.Narrowed) assembler.movsxd(Q(work), D(work));
        Store(instruction.Result!.Value, work);
    }

    private void EmitDivision(MachineInstruction instruction)
    {
        bool wide = instruction.Width == 64;
        bool signed = instruction.Opcode is MachineOpcode.Divide or MachineOpcode.Remainder;
        if (instruction.Operands[1].IsImmediate)
        {
            EmitDivisionByConstant(instruction);
            return;
        }
        Load(Register.RCX, instruction.Operands[1]);
        Load(Register.RAX, instruction.Operands[0]);
        // Guards: x86-64 faults on both, and a fault in native code kills the process.
        if (wide) assembler.test(rcx, rcx); else assembler.test(ecx, ecx);
        assembler.je(exits[instruction.Exits[0]]);
        if (signed)
        {
            var ordinary = assembler.CreateLabel();
            if (wide) assembler.cmp(rcx, -1); else assembler.cmp(ecx, -1);
            assembler.jne(ordinary);
            if (wide)
            {
                assembler.mov(rdx, long.MinValue);
                assembler.cmp(rax, rdx);
            }
            else assembler.cmp(eax, int.MinValue);
            assembler.je(exits[instruction.Exits[1]]);
            Bind(ref ordinary);
            if (wide)
            {
                assembler.cqo();
                assembler.idiv(rcx);
            }
            else
            {
                assembler.cdq();
                assembler.idiv(ecx);
            }
        }
        else
        {
            assembler.xor(edx, edx);
            if (wide) assembler.div(rcx); else assembler.div(ecx);
        }
        var result = instruction.Opcode is MachineOpcode.Divide or MachineOpcode.DivideUnsigned ? Register.RAX : Register.RDX;
        if (!wide) assembler.movsxd(Q(result), D(result));
        Store(instruction.Result!.Value, result);
    }

    /// <summary>
    /// A signed division or remainder by a constant d (never 0 or -1, so nothing can fault). For |d| at least 3 and not
    /// a power of two, the smallest magic number (<see cref="ConstantDivisor"/>): <c>q = mulhi(m, n) (+ or - n);
    /// q &gt;&gt;= shift; q += q &gt;&gt;&gt; (w-1)</c> is <c>n / d</c>. For a power of two (1 and <c>MinValue</c> included),
    /// DivisionMagic's sequence without a multiply: <c>q = n + ((n &gt;&gt; (w-1)) &amp; (|d| - 1)); q &gt;&gt;= shift</c> is
    /// <c>n / |d|</c>, negated for d &lt; 0. The remainder is <c>n - q * d</c> (<c>n - q * |d|</c> with the unsigned
    /// quotient). rdx:rax hold the product, rcx the dividend when it is not in a register, r11 a wide constant.
    /// </summary>
    private void EmitDivisionByConstant(MachineInstruction instruction)
    {
        bool wide = instruction.Width == 64;
        long d = instruction.Operands[1].Immediate;
        var n = InRegister(instruction.Operands[0], Register.RCX);
        ulong magnitudeBits = d < 0 ? 0UL - (ulong)d : (ulong)d;
        if (!wide) magnitudeBits &= 0xFFFF_FFFF;
        long factor;
        if (magnitudeBits >= 3 && !System.Numerics.BitOperations.IsPow2(magnitudeBits))
        {
            // The quotient n / d in rdx, signed; the remainder multiplies it back by d itself.
            var magic = ConstantDivisor.Of(d, instruction.Width);
            if (wide)
            {
                assembler.mov(rax, magic.Multiplier);
                assembler.imul(Q(n));
                if (magic.AddDividend) assembler.add(rdx, Q(n));
                if (magic.SubtractDividend) assembler.sub(rdx, Q(n));
                if (magic.Shift != 0) assembler.sar(rdx, (byte)magic.Shift);
                assembler.mov(rax, rdx);
                assembler.shr(rax, 63);
                assembler.add(rdx, rax);
            }
            else
            {
                assembler.mov(eax, unchecked((int)magic.Multiplier));
                assembler.imul(D(n));
                if (magic.AddDividend) assembler.add(edx, D(n));
                if (magic.SubtractDividend) assembler.sub(edx, D(n));
                if (magic.Shift != 0) assembler.sar(edx, (byte)magic.Shift);
                assembler.mov(eax, edx);
                assembler.shr(eax, 31);
                assembler.add(edx, eax);
            }
            factor = d;
        }
        else
        {
            // A power of two: the quotient by |d| in rdx, rounded toward zero; negated for d < 0 when it is the result.
            int shift = wide ? DivisionMagic.Shift(d) : DivisionMagic.Shift((int)d);
            long addend = wide ? DivisionMagic.Addend(d) : DivisionMagic.Addend((int)d);
            if (wide)
            {
                assembler.mov(rdx, Q(n));
                if (addend != 0)
                {
                    assembler.mov(rax, rdx);
                    assembler.sar(rax, 63);
                    if (addend is >= int.MinValue and <= int.MaxValue) assembler.and(rax, (int)addend);
                    else
                    {
                        assembler.mov(r11, addend);
                        assembler.and(rax, r11);
                    }
                    assembler.add(rdx, rax);
                }
                if (shift != 0) assembler.sar(rdx, (byte)shift);
                if (instruction.Opcode == MachineOpcode.Divide && d < 0) assembler.neg(rdx);
            }
            else
            {
                assembler.mov(edx, D(n));
                if (addend != 0)
                {
                    assembler.mov(eax, edx);
                    assembler.sar(eax, 31);
                    assembler.and(eax, (int)addend);
                    assembler.add(edx, eax);
                }
                if (shift != 0) assembler.sar(edx, (byte)shift);
                if (instruction.Opcode == MachineOpcode.Divide && d < 0) assembler.neg(edx);
            }
            factor = unchecked((long)magnitudeBits);
        }
        if (instruction.Opcode == MachineOpcode.Divide)
        {
            if (!wide) assembler.movsxd(rdx, edx);
            Store(instruction.Result!.Value, Register.RDX);
            return;
        }
        // The quotient times the divisor, into rax (its low 32 bits are the 32-bit product).
        if (!MultiplyByShiftsAndAdds(Register.RAX, Register.RDX, wide ? factor : unchecked((int)factor)))
        {
            if (!wide) assembler.imul(eax, edx, unchecked((int)factor));
            else if (factor is >= int.MinValue and <= int.MaxValue) assembler.imul(rax, rdx, (int)factor);
            else
            {
                assembler.mov(rax, factor);
                assembler.imul(rax, rdx);
            }
        }
        var remainder = Work(instruction.Result!.Value);
        // rax is the work register when the result is spilled: n - product = -(product - n).
        if (remainder == Register.RAX)
        {
            if (wide) assembler.sub(rax, Q(n)); else assembler.sub(eax, D(n));
            if (wide) assembler.neg(rax); else assembler.neg(eax);
        }
        else
        {
            if (remainder != n) assembler.mov(Q(remainder), Q(n));
            if (wide) assembler.sub(Q(remainder), rax); else assembler.sub(D(remainder), eax);
        }
        if (!wide) assembler.movsxd(Q(remainder), D(remainder));
        Store(instruction.Result!.Value, remainder);
    }

    private AssemblerMemoryOperand Address(MemoryAddress address, int width)
    {
        var @base = Q(InRegister(MachineOperand.Of(address.Base), Register.R11));
        var factory = width switch { 8 => __byte_ptr, 16 => __word_ptr, 32 => __dword_ptr, _ => __qword_ptr };
        if (address.Index is not { } index) return factory[@base + address.Offset];
        var indexRegister = Q(InRegister(MachineOperand.Of(index), Register.RCX));
        return factory[@base + indexRegister * address.Scale + address.Offset];
    }

    private void EmitLoad(MachineInstruction instruction)
    {
        var memory = Address(instruction.Address!.Value, instruction.Width);
        var work = Work(instruction.Result!.Value);
        switch (instruction.Width, instruction.Signed)
        {
            case (8, true): assembler.movsx(Q(work), memory); break;
            case (8, false): assembler.movzx(D(work), memory); break;
            case (16, true): assembler.movsx(Q(work), memory); break;
            case (16, false): assembler.movzx(D(work), memory); break;
            case (32, true): assembler.movsxd(Q(work), memory); break;
            case (32, false): assembler.mov(D(work), memory); break;
            default: assembler.mov(Q(work), memory); break;
        }
        Store(instruction.Result!.Value, work);
    }

    private void EmitStore(MachineInstruction instruction)
    {
        var value = instruction.Operands[0];
        var source = value.IsImmediate ? Register.None : InRegister(value, Register.RAX);
        var memory = Address(instruction.Address!.Value, instruction.Width);
        switch (instruction.Width)
        {
            case 8 when value.IsImmediate: assembler.mov(memory, (byte)value.Immediate); break;
            case 16 when value.IsImmediate: assembler.mov(memory, (short)value.Immediate); break;
            case 32 or 64 when value.IsImmediate: assembler.mov(memory, (int)value.Immediate); break;
            case 8: assembler.mov(memory, B(source)); break;
            case 16: assembler.mov(memory, W(source)); break;
            case 32: assembler.mov(memory, D(source)); break;
            default: assembler.mov(memory, Q(source)); break;
        }
    }

    /// <summary><c>cmp a, b</c> in 64 bits (operands are in stack form, so this is right for every width).</summary>
    private void Compare(MachineOperand a, MachineOperand b)
    {
        var left = Q(InRegister(a, Register.RAX));
        if (b.IsImmediate)
        {
            if (b.Immediate == 0) assembler.test(left, left);
            else assembler.cmp(left, checked((int)b.Immediate));
            return;
        }
        var right = Of(b.Register!.Value);
        if (right.IsSpilled) assembler.cmp(left, Slot(right));
        else assembler.cmp(left, Q(right.Register));
    }

    private void Branch(Condition condition, Label target)
    {
        switch (condition)
        {
            case Condition.Equal: assembler.je(target); break;
            case Condition.NotEqual: assembler.jne(target); break;
            case Condition.Less: assembler.jl(target); break;
            case Condition.LessOrEqual: assembler.jle(target); break;
            case Condition.Greater: assembler.jg(target); break;
            case Condition.GreaterOrEqual: assembler.jge(target); break;
            case Condition.Below: assembler.jb(target); break;
            case Condition.BelowOrEqual: assembler.jbe(target); break;
            case Condition.Above: assembler.ja(target); break;
            case Condition.AboveOrEqual: assembler.jae(target); break;
            case Condition.Overflow: assembler.jo(target); break;
            default: assembler.jb(target); break;
        }
    }

    private void SetCondition(Condition condition)
    {
        switch (condition)
        {
            case Condition.Equal: assembler.sete(al); break;
            case Condition.NotEqual: assembler.setne(al); break;
            case Condition.Less: assembler.setl(al); break;
            case Condition.LessOrEqual: assembler.setle(al); break;
            case Condition.Greater: assembler.setg(al); break;
            case Condition.GreaterOrEqual: assembler.setge(al); break;
            case Condition.Below: assembler.setb(al); break;
            case Condition.BelowOrEqual: assembler.setbe(al); break;
            case Condition.Above: assembler.seta(al); break;
            default: assembler.setae(al); break;
        }
    }

    /// <summary>
    /// A compare-branch followed by the block's jump: the conditional branch goes along the edge that needs no moves
    /// (negating the condition when that is the jump's edge) and the other edge's moves and jump follow inline, so
    /// a loop's back edge with moves costs no trampoline, and a branch to the next block in the layout falls through.
    /// </summary>
    private void EmitTwoWay(MachineInstruction branch, MachineInstruction jump)
    {
        Compare(branch.Operands[0], branch.Operands[1]);
        var (taken, other, condition) = (branch.Edge!, jump.Edge!, branch.Condition);
        bool takenMoves = NeedsMoves(taken), otherMoves = NeedsMoves(other);
        // Fall through to the block laid out next when the branch can go elsewhere: a loop's test then branches out
        // (through a trampoline for the exit's moves) and falls into the body, not the other way round.
        if (takenMoves && !otherMoves || !takenMoves && Forward(taken.Target) == next)
            (taken, other, condition) = (other, taken, Negate(condition));
        Branch(condition, EdgeLabel(taken));
        JumpAlong(other);
    }

    /// <summary>
    /// The block's unconditional edge: its moves, then a jump unless the target is laid out next. A jump back to a
    /// block that is only a two-way branch (a loop's test at its head) runs that test here instead, as RyuJIT's loop
    /// inversion lays a loop out: the turn ends in one conditional branch back to the body, not in a jump to the test
    /// and a branch out of it. The moves have put the test block's parameters where it expects them, and every other
    /// value it reads is live into it, so in the same place here.
    /// </summary>
    private void JumpAlong(MachineEdge edge)
    {
        Moves(edge);
        int target = Forward(edge.Target);
        if (target == next) return;
        if (!inverting && emittedAt.TryGetValue(target, out int at) && at <= emitting
            && function.Blocks[target].Instructions is [{ Opcode: MachineOpcode.CompareBranch, Edge.Exit: null } test, { Opcode: MachineOpcode.Jump, Edge.Exit: null } jump]
            && (!NeedsMoves(test.Edge!) || !NeedsMoves(jump.Edge!)))
        {
            inverting = true;
            EmitTwoWay(test, jump);
            inverting = false;
            return;
        }
        assembler.jmp(blocks[target]);
    }

    /// <summary>
    /// Where a jump to <paramref name="block"/> may go instead: past blocks that only jump on without moves (an
    /// edge block the residual graph keeps for its arguments, or a join whose parameters the allocator put where its
    /// target's are).
    /// </summary>
    private int Forward(int block)
    {
        for (int steps = 0; steps < function.Blocks.Count; steps++)
        {
            var machine = function.Blocks[block];
            // A block with parameters can be passed too when its jump moves nothing: the edges into it have put its
            // parameters where the target's are.
            if (machine.Instructions is not [{ Opcode: MachineOpcode.Jump, Edge: { Exit: null } edge }] || NeedsMoves(edge))
                return block;
            block = edge.Target;
        }
        return block;
    }

    private static Condition Negate(Condition condition) => condition switch
    {
        Condition.Equal => Condition.NotEqual, Condition.NotEqual => Condition.Equal,
        Condition.Less => Condition.GreaterOrEqual, Condition.GreaterOrEqual => Condition.Less,
        Condition.LessOrEqual => Condition.Greater, Condition.Greater => Condition.LessOrEqual,
        Condition.Below => Condition.AboveOrEqual, Condition.AboveOrEqual => Condition.Below,
        Condition.BelowOrEqual => Condition.Above, Condition.Above => Condition.BelowOrEqual,
        _ => throw new InvalidOperationException($"the condition {condition} of a two-way branch has no negation"),
    };

    /// <summary>The label a conditional branch along <paramref name="edge"/> jumps to: the target, or a trampoline doing the edge's moves.</summary>
    private Label EdgeLabel(MachineEdge edge)
    {
        if (edge.Exit is { } exit) return exits[exit];
        if (!NeedsMoves(edge)) return blocks[Forward(edge.Target)];
        var label = assembler.CreateLabel();
        trampolines.Add((label, edge));
        return label;
    }

    private bool NeedsMoves(MachineEdge edge)
    {
        var parameters = function.Blocks[edge.Target].Parameters;
        for (int i = 0; i < parameters.Count; i++)
            if (edge.Arguments[i].IsImmediate || Of(edge.Arguments[i].Register!.Value) != Of(parameters[i])) return true;
        return false;
    }

    /// <summary>The edge's parallel move: every target parameter gets its argument.</summary>
    private void Moves(MachineEdge edge)
    {
        var parameters = function.Blocks[edge.Target].Parameters;
        var moves = parameters.Select((p, i) => (Of(p), edge.Arguments[i].IsImmediate
            ? MoveSource.Constant(edge.Arguments[i].Immediate)
            : MoveSource.From(Of(edge.Arguments[i].Register!.Value))));
        foreach (var (destination, source) in ParallelMoves.Sequence(moves, ParallelMoves.Scratch))
            Move(destination, source);
    }

    private void Move(Location destination, MoveSource source)
    {
        if (source.IsImmediate)
        {
            if (!destination.IsSpilled) Load(destination.Register, MachineOperand.Constant(source.Immediate));
            else if (source.Immediate is >= int.MinValue and <= int.MaxValue) assembler.mov(Slot(destination), (int)source.Immediate);
            else
            {
                assembler.mov(rax, source.Immediate);
                assembler.mov(Slot(destination), rax);
            }
            return;
        }
        var from = source.Location;
        if (!destination.IsSpilled)
        {
            if (from.IsSpilled) assembler.mov(Q(destination.Register), Slot(from));
            else assembler.mov(Q(destination.Register), Q(from.Register));
        }
        else if (!from.IsSpilled) assembler.mov(Slot(destination), Q(from.Register));
        else
        {
            assembler.mov(rax, Slot(from));
            assembler.mov(Slot(destination), rax);
        }
    }
}
