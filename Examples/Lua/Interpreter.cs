using PeJit;
using PeJit.Examples.Lua.Compiler;
using PeJit.Examples.Lua.Values;

namespace PeJit.Examples.Lua;

/// <summary>
/// The Lua interpreter: one dispatch loop over the register bytecode, hints in place. The green key is the
/// program counter and the code object; the reds are the frame and its register array. A call of a Lua
/// function re-enters the loop with the callee's frame (<c>Run(code, callee.Entry, frame)</c>), as Lua's own
/// C stack does for calls from C; backward jumps (loops) are where the JIT may enter.
/// </summary>
public static class Interpreter
{
    /// <summary>How deep Lua calls may nest before "stack overflow" (each is a C# call of <see cref="Run"/>).</summary>
    public const int MaxDepth = 200;

    /// <summary>
    /// A comparison's outcome as a Lua boolean; null (operands that do not compare) is the error at
    /// <paramref name="line"/>. A helper, so that the portal holds no nullable local: reading one takes its
    /// address, and compiled code cannot leave in the middle of a step (at a Jit.PromoteClass) of a method
    /// whose locals have their address taken.
    /// </summary>
    private static LuaValue Truth(bool? outcome, int line, LuaValue left, LuaValue right) =>
        outcome is bool value ? (value ? LuaBoolean.True : LuaBoolean.False) : throw Errors.Compare(line, left, right);

    /// <summary>
    /// Runs the function whose code starts at <paramref name="pc"/> on <paramref name="frame"/>. A caller that wants one
    /// result (<see cref="Frame.Wanted"/> 1) gets it as the return value; other results go where the frame says, and the
    /// return value is then null.
    /// </summary>
    /// <remarks>
    /// Why one result is returned, not stored: a callee that stores into its caller's registers holds them (the frame's
    /// <see cref="Frame.ResultRegisters"/>), so in compiled code every call is a place where the caller's registers must be
    /// in memory (they escape into it), and a recursive call's own register array escapes into the next. Returned, the
    /// result is an SSA value of the caller, and the callee's frame names nothing of the caller's.
    /// </remarks>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame", "regs"])]
    public static LuaValue? Run(Code code, int pc, Frame frame)
    {
        LuaValue[] regs = frame.Registers;
        while (true)
        {
            Jit.MergePoint(pc, code, frame, regs);
            Instruction i = code.Instructions[pc++];
            switch (i.Op)
            {
                case OpCode.Move:
                    regs[i.A] = regs[i.B];
                    break;
                case OpCode.LoadConstant:
                    regs[i.A] = code.Constants[i.B];
                    break;
                case OpCode.LoadNil:
                    regs[i.A] = LuaNil.Instance;
                    break;
                case OpCode.LoadBoolean:
                    regs[i.A] = i.B != 0 ? LuaBoolean.True : LuaBoolean.False;
                    break;
                // The globals are a table like any other, and a global's name is a constant: with the table's shape
                // promoted, compiled code finds the global's slot while specializing (a guard on the shape and an array
                // load, as for t.name), not by hashing the name at every access (a recursive function reads its own
                // name at each call). A program defines its globals once, so the shape settles.
                case OpCode.GetGlobal:
                {
                    LuaTable globals = frame.State.Globals;
                    regs[i.A] = globals.GetField(Jit.Promote(globals.Shape), (LuaString)code.Constants[i.B]);
                    break;
                }
                case OpCode.SetGlobal:
                {
                    LuaTable globals = frame.State.Globals;
                    globals.SetField(Jit.Promote(globals.Shape), (LuaString)code.Constants[i.B], regs[i.A]);
                    break;
                }
                case OpCode.GetUpvalue:
                    regs[i.A] = frame.Closure.Upvalues[i.B].Value;
                    break;
                case OpCode.SetUpvalue:
                    frame.Closure.Upvalues[i.B].Value = regs[i.A];
                    break;
                case OpCode.NewCell:
                    frame.Cells[i.B] = new Upvalue();
                    break;
                case OpCode.GetCell:
                    regs[i.A] = frame.Cells[i.B].Value;
                    break;
                case OpCode.SetCell:
                    frame.Cells[i.B].Value = regs[i.A];
                    break;
                case OpCode.NewTable:
                    regs[i.A] = new LuaTable();
                    break;
                case OpCode.GetTable:
                    if (regs[i.B] is LuaTable source) regs[i.A] = source.Get(regs[i.C]);
                    else throw Errors.Index(code.Lines[pc - 1], regs[i.B]);
                    break;
                case OpCode.SetTable:
                {
                    if (regs[i.A] is not LuaTable target) throw Errors.Index(code.Lines[pc - 1], regs[i.A]);
                    string? error = target.Set(regs[i.B], regs[i.C]);
                    if (error is not null) throw LuaError.At(code.Lines[pc - 1], error);
                    break;
                }
                case OpCode.GetField:
                    // The key is a constant and the shape promoted: compiled code finds the slot while specializing.
                    if (regs[i.B] is LuaTable fieldSource) regs[i.A] = fieldSource.GetField(Jit.Promote(fieldSource.Shape), (LuaString)code.Constants[i.C]);
                    else throw Errors.Index(code.Lines[pc - 1], regs[i.B]);
                    break;
                case OpCode.SetField:
                    if (regs[i.A] is LuaTable fieldTarget) fieldTarget.SetField(Jit.Promote(fieldTarget.Shape), (LuaString)code.Constants[i.B], regs[i.C]);
                    else throw Errors.Index(code.Lines[pc - 1], regs[i.A]);
                    break;
                case OpCode.Add:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).Add(Jit.PromoteClass(regs[i.C])) ?? throw Errors.Arithmetic(code.Lines[pc - 1], "add", regs[i.B], regs[i.C]);
                    break;
                case OpCode.Subtract:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).Subtract(Jit.PromoteClass(regs[i.C])) ?? throw Errors.Arithmetic(code.Lines[pc - 1], "subtract", regs[i.B], regs[i.C]);
                    break;
                case OpCode.Multiply:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).Multiply(Jit.PromoteClass(regs[i.C])) ?? throw Errors.Arithmetic(code.Lines[pc - 1], "multiply", regs[i.B], regs[i.C]);
                    break;
                case OpCode.Divide:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).Divide(Jit.PromoteClass(regs[i.C])) ?? throw Errors.Arithmetic(code.Lines[pc - 1], "divide", regs[i.B], regs[i.C]);
                    break;
                case OpCode.FloorDivide:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).FloorDivide(Jit.PromoteClass(regs[i.C])) ?? throw Errors.Arithmetic(code.Lines[pc - 1], "floor-divide", regs[i.B], regs[i.C]);
                    break;
                case OpCode.Modulo:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).Modulo(Jit.PromoteClass(regs[i.C])) ?? throw Errors.Arithmetic(code.Lines[pc - 1], "modulo", regs[i.B], regs[i.C]);
                    break;
                case OpCode.Power:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).Power(Jit.PromoteClass(regs[i.C])) ?? throw Errors.Arithmetic(code.Lines[pc - 1], "exponentiate", regs[i.B], regs[i.C]);
                    break;
                case OpCode.Concat:
                {
                    // Both classes green (one guard each per site): ConcatText is resolved and inlined, a string's text is
                    // its field (so the string a concatenation made and the next one reads is not allocated), and a
                    // number's is its formatting, called directly.
                    string? left = Jit.PromoteClass(regs[i.B]).ConcatText, right = Jit.PromoteClass(regs[i.C]).ConcatText;
                    if (left is null || right is null) throw Errors.Concat(code.Lines[pc - 1], regs[i.B], regs[i.C]);
                    regs[i.A] = new LuaString(left + right);
                    break;
                }
                case OpCode.Negate:
                    regs[i.A] = regs[i.B].Negate() ?? throw Errors.Negate(code.Lines[pc - 1], regs[i.B]);
                    break;
                case OpCode.Not:
                    regs[i.A] = regs[i.B].IsTruthy ? LuaBoolean.False : LuaBoolean.True;
                    break;
                // Length and equality promote the class of the value they dispatch on (one guard per site), so that the
                // virtual call is resolved and inlined in compiled code (`#s`, `type(v) == "string"`).
                case OpCode.Length:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).Length() ?? throw Errors.Length(code.Lines[pc - 1], regs[i.B]);
                    break;
                case OpCode.Equal:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).RawEquals(regs[i.C]) ? LuaBoolean.True : LuaBoolean.False;
                    break;
                case OpCode.NotEqual:
                    regs[i.A] = Jit.PromoteClass(regs[i.B]).RawEquals(regs[i.C]) ? LuaBoolean.False : LuaBoolean.True;
                    break;
                case OpCode.LessThan:
                    regs[i.A] = Truth(Jit.PromoteClass(regs[i.B]).LessThan(Jit.PromoteClass(regs[i.C])), code.Lines[pc - 1], regs[i.B], regs[i.C]);
                    break;
                case OpCode.LessEqual:
                    regs[i.A] = Truth(Jit.PromoteClass(regs[i.B]).LessEqual(Jit.PromoteClass(regs[i.C])), code.Lines[pc - 1], regs[i.B], regs[i.C]);
                    break;
                case OpCode.Jump:
                {
                    // pc already points past this instruction: a target below it is a backward jump (a loop).
                    bool backward = i.B < pc;
                    pc = i.B;
                    if (backward) Jit.CanEnterJit(pc, code, frame, regs);
                    break;
                }
                case OpCode.JumpIfFalse:
                    if (!regs[i.A].IsTruthy)
                    {
                        bool backward = i.B < pc;
                        pc = i.B;
                        if (backward) Jit.CanEnterJit(pc, code, frame, regs);
                    }
                    break;
                case OpCode.JumpIfTrue:
                    if (regs[i.A].IsTruthy)
                    {
                        bool backward = i.B < pc;
                        pc = i.B;
                        if (backward) Jit.CanEnterJit(pc, code, frame, regs);
                    }
                    break;
                case OpCode.Call:
                {
                    // The callee's class is green (one guard per call site): a compiled call of a Lua function has no
                    // path for a builtin, which would be given the calling frame.
                    LuaValue callee = Jit.PromoteClass(regs[i.A]);
                    if (callee is LuaClosure closure)
                    {
                        if (frame.Depth >= MaxDepth) throw LuaError.At(code.Lines[pc - 1], "stack overflow");
                        // The callee's prototype is green from here on (one guard per call site): its entry, how many
                        // registers its frame has and how many arguments it takes are constants in compiled code.
                        Prototype prototype = Jit.Promote(closure.Prototype);
                        // One result wanted: the callee returns it (Run's remarks), and its frame does not hold these registers.
                        var calleeFrame = new Frame(closure, prototype, frame.State, i.C == 1 ? null : regs, i.A, i.C, frame.Depth + 1);
                        Array.Copy(regs, i.A + 1, calleeFrame.Registers, 0, Math.Min(i.B, prototype.Parameters));
                        LuaValue? result = Run(code, prototype.Entry, calleeFrame);
                        if (i.C == 1) regs[i.A] = result!;
                        // The argument registers are dead temporaries now (the compiler frees every register above the
                        // call's results), so they are cleared, as Lua's stack top drops them: the frame keeps no argument
                        // alive, and compiled code, which rebuilds the frame exactly at an exit after the call, holds no
                        // reference to an argument it made for the call (a box it may then pass as its contents: README,
                        // "Compiled recursion").
                        for (int k = Math.Max(i.A + 1, i.A + i.C); k <= i.A + i.B; k++) regs[k] = LuaNil.Instance;
                    }
                    else if (callee is LuaBuiltin builtin)
                    {
                        // pcall of a Lua function is made here, its callee run by this loop as any Lua call is: compiled
                        // code calls it as it calls any Lua function, with no argument or result arrays.
                        if (builtin.ProtectsCall && i.B > 0 && Jit.PromoteClass(regs[i.A + 1]) is LuaClosure protectedClosure)
                        {
                            ProtectedCall(code, frame, regs, protectedClosure, Jit.Promote(protectedClosure.Prototype), i, code.Lines[pc - 1]);
                            break;
                        }
                        // The builtin's code is green from here on (one guard per call site): a constant delegate, so a
                        // compiled call runs the builtin's own code inlined, and its argument and result arrays are not made.
                        // The delegate, not the builtin: every state has builtins of its own, and they share their delegates.
                        Func<Frame, LuaValue[], int, LuaValue[]> function = Jit.Promote(builtin.Function);
                        var arguments = new LuaValue[i.B];
                        Array.Copy(regs, i.A + 1, arguments, 0, i.B);
                        LuaValue[] results = function(frame, arguments, code.Lines[pc - 1]);
                        for (int k = 0; k < i.C; k++) regs[i.A + k] = k < results.Length ? results[k] : LuaNil.Instance;
                    }
                    else throw Errors.Call(code.Lines[pc - 1], callee);
                    break;
                }
                case OpCode.Return:
                    if (frame.Wanted == 1) return i.B > 0 ? regs[i.A] : LuaNil.Instance;
                    if (frame.Wanted < 0)
                    {
                        var results = new LuaValue[i.B];
                        Array.Copy(regs, i.A, results, 0, i.B);
                        frame.Results = results;
                    }
                    else
                    {
                        LuaValue[] target = frame.ResultRegisters!;
                        for (int k = 0; k < frame.Wanted; k++) target[frame.ResultIndex + k] = k < i.B ? regs[i.A + k] : LuaNil.Instance;
                    }
                    return null;
                case OpCode.Closure:
                {
                    Prototype prototype = code.Prototypes[i.B];
                    var upvalues = new Upvalue[prototype.Upvalues.Length];
                    for (int k = 0; k < upvalues.Length; k++)
                    {
                        UpvalueDescriptor captured = prototype.Upvalues[k];
                        upvalues[k] = captured.FromEnclosingCell ? frame.Cells[captured.Index] : frame.Closure.Upvalues[captured.Index];
                    }
                    regs[i.A] = new LuaClosure(prototype, upvalues);
                    break;
                }
                case OpCode.ForPrepare:
                    PrepareFor(regs, i.A, code.Lines[pc - 1]);
                    pc = i.B;
                    break;
                case OpCode.ForLoop:
                    // The counter's class is green (ForPrepare made all three integers or all three floats, and they
                    // keep their class), so a compiled loop takes one path and its casts are decided.
                    if (Jit.PromoteClass(regs[i.A]) is LuaInteger index)
                    {
                        long step = ((LuaInteger)Jit.PromoteClass(regs[i.A + 2])).Value, limit = ((LuaInteger)Jit.PromoteClass(regs[i.A + 1])).Value;
                        if (step > 0 ? index.Value <= limit - step : index.Value >= limit - step)
                        {
                            var next = new LuaInteger(index.Value + step);
                            regs[i.A] = next;
                            regs[i.A + 3] = next;
                            pc = i.B;
                            Jit.CanEnterJit(pc, code, frame, regs);
                        }
                    }
                    else
                    {
                        double step = ((LuaFloat)Jit.PromoteClass(regs[i.A + 2])).Value, limit = ((LuaFloat)Jit.PromoteClass(regs[i.A + 1])).Value;
                        double next = ((LuaFloat)regs[i.A]).Value + step;
                        if (step > 0 ? next <= limit : next >= limit)
                        {
                            var value = new LuaFloat(next);
                            regs[i.A] = value;
                            regs[i.A + 3] = value;
                            pc = i.B;
                            Jit.CanEnterJit(pc, code, frame, regs);
                        }
                    }
                    break;
                default:
                    throw new InvalidOperationException($"bad instruction {i} at {pc - 1}");
            }
        }
    }

    /// <summary>
    /// <c>pcall(closure, ...)</c> as the <c>pcall</c> builtin makes it (<see cref="Call(Frame, LuaValue, LuaValue[], int)"/>): true
    /// and the callee's results, or false and the error value of a <see cref="LuaError"/> (nothing else is caught), into
    /// the registers from <c>i.A</c> on, <c>i.C</c> of them. The callee's frame holds these registers only when more than one
    /// of its results is wanted (as <c>Call</c>'s does); one result is <see cref="Run"/>'s return value.
    /// </summary>
    private static void ProtectedCall(Code code, Frame frame, LuaValue[] regs, LuaClosure closure, Prototype prototype, Instruction i, int line)
    {
        int wanted = i.C - 1;
        try
        {
            if (frame.Depth >= MaxDepth) throw LuaError.At(line, "stack overflow");
            var calleeFrame = new Frame(closure, prototype, frame.State, wanted > 1 ? regs : null, i.A + 1, Math.Max(wanted, 0), frame.Depth + 1);
            Array.Copy(regs, i.A + 2, calleeFrame.Registers, 0, Math.Min(i.B - 1, prototype.Parameters));
            LuaValue? result = Run(code, prototype.Entry, calleeFrame);
            if (wanted == 1) regs[i.A + 1] = result!;
        }
        catch (LuaError error)
        {
            if (i.C > 0) regs[i.A] = LuaBoolean.False;
            if (i.C > 1) regs[i.A + 1] = error.Value;
            for (int k = 2; k < i.C; k++) regs[i.A + k] = LuaNil.Instance;
            return;
        }
        if (i.C > 0) regs[i.A] = LuaBoolean.True;
    }

    // Lua 5.3's forprep: an integer loop when the start and the step are integers (a float limit is rounded
    // towards the loop's direction), a float loop otherwise; the control variable starts one step early,
    // and ForLoop adds the step before its test.
    private static void PrepareFor(LuaValue[] regs, int a, int line)
    {
        LuaValue start = regs[a], limit = regs[a + 1], step = regs[a + 2];
        if (start.AsDouble is null) throw Errors.For(line, "initial value", start);
        if (limit.AsDouble is null) throw Errors.For(line, "limit", limit);
        if (step.AsDouble is null) throw Errors.For(line, "step", step);
        if (start is LuaInteger first && step is LuaInteger increment)
        {
            if (increment.Value == 0) throw LuaError.At(line, "'for' step is zero");
            long last = limit is LuaInteger integerLimit ? integerLimit.Value : FloatLimit(((LuaFloat)limit).Value, increment.Value > 0);
            regs[a] = new LuaInteger(unchecked(first.Value - increment.Value));
            regs[a + 1] = new LuaInteger(last);
            return;
        }
        double floatStep = step.AsDouble.Value;
        if (floatStep == 0) throw LuaError.At(line, "'for' step is zero");
        regs[a] = new LuaFloat(start.AsDouble.Value - floatStep);
        regs[a + 1] = new LuaFloat(limit.AsDouble.Value);
        regs[a + 2] = new LuaFloat(floatStep);
    }

    private static long FloatLimit(double limit, bool ascending)
    {
        double rounded = ascending ? Math.Floor(limit) : Math.Ceiling(limit);
        return rounded >= 9.2233720368547758e18 ? long.MaxValue : rounded <= -9.2233720368547758e18 ? long.MinValue : (long)rounded;
    }

    /// <summary>Calls <paramref name="function"/> from C# (for <c>pcall</c>) with <paramref name="arguments"/>; returns all its results.</summary>
    public static LuaValue[] Call(Frame caller, LuaValue function, LuaValue[] arguments, int line)
    {
        // A builtin called from C# has no line of its own: error("x") called by pcall gets no position, as in Lua.
        if (function is LuaBuiltin builtin) return builtin.Function(caller, arguments, 0);
        if (function is not LuaClosure closure) throw Errors.Call(line, function);
        if (caller.Depth >= MaxDepth) throw LuaError.At(line, "stack overflow");
        var frame = new Frame(closure, caller.State, [], 0, -1, caller.Depth + 1);
        Array.Copy(arguments, frame.Registers, Math.Min(arguments.Length, closure.Prototype.Parameters));
        Run(caller.State.Code, closure.Prototype.Entry, frame);
        return frame.Results ?? [];
    }
}
