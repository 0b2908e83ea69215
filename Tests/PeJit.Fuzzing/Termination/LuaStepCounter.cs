using PeJit.Examples.Lua;
using PeJit.Examples.Lua.Compiler;
using PeJit.Examples.Lua.Values;

namespace PeJit.Fuzzing.Termination;

/// <summary>
/// A step-counting copy of the Lua interpreter's dispatch loop (Examples/Lua/Interpreter.cs), over the
/// example's own values, tables and builtins: every instruction is a step (a concatenation also costs its
/// length, so that a program cannot build huge strings), every Lua call an interpreted call. <c>pcall</c> is
/// replaced by one that calls this model, so that nothing runs the real interpreter. It decides whether a
/// program ends within the bounds; its output goes nowhere.
/// </summary>
public static class LuaStepCounter
{
    /// <summary>Runs the chunk of <paramref name="code"/> within the bounds.</summary>
    public static BoundedRun Check(Code code, long stepLimit, int depthLimit) =>
        StepBudget.Measure(stepLimit, depthLimit, budget =>
        {
            var model = new Model(budget, code);
            var state = new LuaState(code, TextWriter.Null);
            state.Globals.Set(new LuaString("pcall"), new LuaBuiltin("pcall", model.ProtectedCall));
            model.Run(code.Main.Entry, new Frame(new LuaClosure(code.Main, []), state, [], 0, 0, 0));
        });

    private sealed class Model(StepBudget budget, Code code)
    {
        public LuaValue[] ProtectedCall(Frame frame, LuaValue[] args, int line)
        {
            try
            {
                var function = args.Length > 0 ? args[0] : LuaNil.Instance;
                var arguments = args.Length > 1 ? args[1..] : [];
                if (function is LuaBuiltin builtin) return [LuaBoolean.True, .. builtin.Function(frame, arguments, 0)];
                if (function is not LuaClosure closure) throw Errors.Call(line, function);
                if (frame.Depth >= Interpreter.MaxDepth) throw LuaError.At(line, "stack overflow");
                var callee = new Frame(closure, frame.State, [], 0, -1, frame.Depth + 1);
                Array.Copy(arguments, callee.Registers, Math.Min(arguments.Length, closure.Prototype.Parameters));
                budget.Enter(callee.Depth);
                Run(closure.Prototype.Entry, callee);
                return [LuaBoolean.True, .. callee.Results ?? []];
            }
            catch (LuaError error)
            {
                return [LuaBoolean.False, error.Value];
            }
        }

        private static LuaValue Truth(bool? outcome, int line, LuaValue left, LuaValue right) =>
            outcome is bool value ? (value ? LuaBoolean.True : LuaBoolean.False) : throw Errors.Compare(line, left, right);

        private static LuaValue Arithmetic(LuaValue? result, int line, string verb, LuaValue left, LuaValue right) =>
            result ?? throw Errors.Arithmetic(line, verb, left, right);

        public void Run(int pc, Frame frame)
        {
            LuaValue[] regs = frame.Registers;
            while (true)
            {
                budget.Step();
                Instruction i = code.Instructions[pc++];
                int line = code.Lines[pc - 1];
                switch (i.Op)
                {
                    case OpCode.Move: regs[i.A] = regs[i.B]; break;
                    case OpCode.LoadConstant: regs[i.A] = code.Constants[i.B]; break;
                    case OpCode.LoadNil: regs[i.A] = LuaNil.Instance; break;
                    case OpCode.LoadBoolean: regs[i.A] = i.B != 0 ? LuaBoolean.True : LuaBoolean.False; break;
                    case OpCode.GetGlobal: regs[i.A] = frame.State.Globals.Get(code.Constants[i.B]); break;
                    case OpCode.SetGlobal: frame.State.Globals.Set(code.Constants[i.B], regs[i.A]); break;
                    case OpCode.GetUpvalue: regs[i.A] = frame.Closure.Upvalues[i.B].Value; break;
                    case OpCode.SetUpvalue: frame.Closure.Upvalues[i.B].Value = regs[i.A]; break;
                    case OpCode.NewCell: frame.Cells[i.B] = new Upvalue(); break;
                    case OpCode.GetCell: regs[i.A] = frame.Cells[i.B].Value; break;
                    case OpCode.SetCell: frame.Cells[i.B].Value = regs[i.A]; break;
                    case OpCode.NewTable: regs[i.A] = new LuaTable(); break;
                    case OpCode.GetTable:
                        if (regs[i.B] is LuaTable source) regs[i.A] = source.Get(regs[i.C]);
                        else throw Errors.Index(line, regs[i.B]);
                        break;
                    case OpCode.SetTable:
                    {
                        if (regs[i.A] is not LuaTable target) throw Errors.Index(line, regs[i.A]);
                        string? error = target.Set(regs[i.B], regs[i.C]);
                        if (error is not null) throw LuaError.At(line, error);
                        break;
                    }
                    case OpCode.GetField:
                        if (regs[i.B] is LuaTable fieldSource) regs[i.A] = fieldSource.GetField(fieldSource.Shape, (LuaString)code.Constants[i.C]);
                        else throw Errors.Index(line, regs[i.B]);
                        break;
                    case OpCode.SetField:
                        if (regs[i.A] is LuaTable fieldTarget) fieldTarget.SetField(fieldTarget.Shape, (LuaString)code.Constants[i.B], regs[i.C]);
                        else throw Errors.Index(line, regs[i.A]);
                        break;
                    case OpCode.Add: regs[i.A] = Arithmetic(regs[i.B].Add(regs[i.C]), line, "add", regs[i.B], regs[i.C]); break;
                    case OpCode.Subtract: regs[i.A] = Arithmetic(regs[i.B].Subtract(regs[i.C]), line, "subtract", regs[i.B], regs[i.C]); break;
                    case OpCode.Multiply: regs[i.A] = Arithmetic(regs[i.B].Multiply(regs[i.C]), line, "multiply", regs[i.B], regs[i.C]); break;
                    case OpCode.Divide: regs[i.A] = Arithmetic(regs[i.B].Divide(regs[i.C]), line, "divide", regs[i.B], regs[i.C]); break;
                    case OpCode.FloorDivide: regs[i.A] = Arithmetic(regs[i.B].FloorDivide(regs[i.C]), line, "floor-divide", regs[i.B], regs[i.C]); break;
                    case OpCode.Modulo: regs[i.A] = Arithmetic(regs[i.B].Modulo(regs[i.C]), line, "modulo", regs[i.B], regs[i.C]); break;
                    case OpCode.Power: regs[i.A] = Arithmetic(regs[i.B].Power(regs[i.C]), line, "exponentiate", regs[i.B], regs[i.C]); break;
                    case OpCode.Concat:
                    {
                        string? left = regs[i.B].ConcatText, right = regs[i.C].ConcatText;
                        if (left is null || right is null) throw Errors.Concat(line, regs[i.B], regs[i.C]);
                        for (int cost = (left.Length + right.Length) / 16; cost > 0; cost--) budget.Step();
                        regs[i.A] = new LuaString(left + right);
                        break;
                    }
                    case OpCode.Negate: regs[i.A] = regs[i.B].Negate() ?? throw Errors.Negate(line, regs[i.B]); break;
                    case OpCode.Not: regs[i.A] = regs[i.B].IsTruthy ? LuaBoolean.False : LuaBoolean.True; break;
                    case OpCode.Length: regs[i.A] = regs[i.B].Length() ?? throw Errors.Length(line, regs[i.B]); break;
                    case OpCode.Equal: regs[i.A] = regs[i.B].RawEquals(regs[i.C]) ? LuaBoolean.True : LuaBoolean.False; break;
                    case OpCode.NotEqual: regs[i.A] = regs[i.B].RawEquals(regs[i.C]) ? LuaBoolean.False : LuaBoolean.True; break;
                    case OpCode.LessThan: regs[i.A] = Truth(regs[i.B].LessThan(regs[i.C]), line, regs[i.B], regs[i.C]); break;
                    case OpCode.LessEqual: regs[i.A] = Truth(regs[i.B].LessEqual(regs[i.C]), line, regs[i.B], regs[i.C]); break;
                    case OpCode.Jump: pc = i.B; break;
                    case OpCode.JumpIfFalse:
                        if (!regs[i.A].IsTruthy) pc = i.B;
                        break;
                    case OpCode.JumpIfTrue:
                        if (regs[i.A].IsTruthy) pc = i.B;
                        break;
                    case OpCode.Call:
                    {
                        LuaValue callee = regs[i.A];
                        if (callee is LuaClosure closure)
                        {
                            if (frame.Depth >= Interpreter.MaxDepth) throw LuaError.At(line, "stack overflow");
                            var calleeFrame = new Frame(closure, frame.State, regs, i.A, i.C, frame.Depth + 1);
                            Array.Copy(regs, i.A + 1, calleeFrame.Registers, 0, Math.Min(i.B, closure.Prototype.Parameters));
                            budget.Enter(calleeFrame.Depth);
                            Run(closure.Prototype.Entry, calleeFrame);
                        }
                        else if (callee is LuaBuiltin builtin)
                        {
                            var arguments = new LuaValue[i.B];
                            Array.Copy(regs, i.A + 1, arguments, 0, i.B);
                            LuaValue[] results = builtin.Function(frame, arguments, line);
                            for (int k = 0; k < i.C; k++) regs[i.A + k] = k < results.Length ? results[k] : LuaNil.Instance;
                        }
                        else throw Errors.Call(line, callee);
                        break;
                    }
                    case OpCode.Return:
                        if (frame.Wanted < 0)
                        {
                            var results = new LuaValue[i.B];
                            Array.Copy(regs, i.A, results, 0, i.B);
                            frame.Results = results;
                        }
                        else
                        {
                            LuaValue[] target = frame.ResultRegisters!; // this counter always passes the registers (Frame: null only when Interpreter.Run returns the result)
                            for (int k = 0; k < frame.Wanted; k++) target[frame.ResultIndex + k] = k < i.B ? regs[i.A + k] : LuaNil.Instance;
                        }
                        return;
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
                        PrepareFor(regs, i.A, line);
                        pc = i.B;
                        break;
                    case OpCode.ForLoop:
                        if (regs[i.A] is LuaInteger index)
                        {
                            long step = ((LuaInteger)regs[i.A + 2]).Value, limit = ((LuaInteger)regs[i.A + 1]).Value;
                            if (step > 0 ? index.Value <= limit - step : index.Value >= limit - step)
                            {
                                var next = new LuaInteger(index.Value + step);
                                regs[i.A] = next;
                                regs[i.A + 3] = next;
                                pc = i.B;
                            }
                        }
                        else
                        {
                            double step = ((LuaFloat)regs[i.A + 2]).Value, limit = ((LuaFloat)regs[i.A + 1]).Value;
                            double next = ((LuaFloat)regs[i.A]).Value + step;
                            if (step > 0 ? next <= limit : next >= limit)
                            {
                                var value = new LuaFloat(next);
                                regs[i.A] = value;
                                regs[i.A + 3] = value;
                                pc = i.B;
                            }
                        }
                        break;
                    default:
                        throw new InvalidOperationException($"bad instruction {i} at {pc - 1}");
                }
            }
        }

        // Interpreter.PrepareFor, which is private.
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
    }
}
