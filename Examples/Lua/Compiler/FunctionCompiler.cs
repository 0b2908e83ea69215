using PeJit.Examples.Lua.Syntax;
using PeJit.Examples.Lua.Values;

namespace PeJit.Examples.Lua.Compiler;

/// <summary>
/// Compiles one function to register bytecode. Strategy: locals get registers in declaration order and keep
/// them for their scope; temporaries are allocated above them as a stack (<see cref="free"/>) and released
/// when the expression or statement that needed them is done. A call puts the function and its arguments in
/// consecutive registers at the top and gets its results there. A local that a nested function captures
/// has no register but a cell (<see cref="OpCode.NewCell"/> at its declaration), so every closure and the
/// function itself share it. Jump targets are indexes into this function's instructions until linking.
/// </summary>
public sealed class FunctionCompiler
{
    /// <summary>What compiling a function gives, before linking.</summary>
    internal sealed record Compiled(string Name, int Line, int Parameters, int Registers, int Cells, UpvalueDescriptor[] Upvalues,
        List<Instruction> Instructions, List<int> Lines);

    private readonly BytecodeCompiler program;
    private readonly FunctionBody body;
    private readonly FunctionCompiler? parent;
    private readonly List<Instruction> instructions = [];
    private readonly List<int> lines = [];
    private readonly Dictionary<LocalVariable, int> registers = [];
    private readonly Dictionary<LocalVariable, int> cells = [];
    private readonly Dictionary<LocalVariable, int> upvalueIndex = [];
    private readonly List<UpvalueDescriptor> upvalues = [];
    private readonly List<List<int>> breaks = [];
    private int free, maxRegisters, cellCount;

    internal FunctionCompiler(BytecodeCompiler program, FunctionBody body, FunctionCompiler? parent)
    {
        this.program = program;
        this.body = body;
        this.parent = parent;
    }

    internal Compiled Compile()
    {
        foreach (var parameter in body.Parameters) registers[parameter] = Reserve();
        foreach (var parameter in body.Parameters)
            if (parameter.Captured)
            {
                int cell = cells[parameter] = cellCount++;
                Emit(OpCode.NewCell, 0, cell, 0, body.Line);
                Emit(OpCode.SetCell, registers[parameter], cell, 0, body.Line);
            }
        Block(body.Body);
        Emit(OpCode.Return, 0, 0, 0, body.EndLine);
        return new Compiled(body.Name, body.Line, body.Parameters.Count, Math.Max(maxRegisters, 1), cellCount, [.. upvalues], instructions, lines);
    }

    private int Reserve()
    {
        int register = free++;
        if (free > maxRegisters) maxRegisters = free;
        if (free > 250) throw new LuaSyntaxException(body.Line, $"function '{body.Name}' needs more than 250 registers");
        return register;
    }

    private int Emit(OpCode op, int a, int b, int c, int line)
    {
        instructions.Add(new Instruction(op, a, b, c));
        lines.Add(line);
        return instructions.Count - 1;
    }

    private int Here => instructions.Count;

    private void PatchTarget(int at, int target) => instructions[at] = instructions[at] with { B = target };

    // Statements.

    private void Block(Block block)
    {
        int saved = free;
        foreach (var statement in block.Statements) Statement(statement);
        free = saved;
    }

    private void Statement(Statement statement)
    {
        int saved = free;
        switch (statement)
        {
            case LocalStatement local:
                Local(local);
                return;   // the new locals keep their registers
            case LocalFunctionStatement localFunction:
                LocalFunction(localFunction);
                return;
            case AssignStatement assign:
                Assign(assign);
                break;
            case CallStatement call:
                Call(call.Call, Reserve(), 0);
                break;
            case IfStatement conditional:
                If(conditional);
                break;
            case WhileStatement loop:
            {
                int start = Here;
                int test = Emit(OpCode.JumpIfFalse, Anywhere(loop.Condition), -1, 0, loop.Line);
                free = saved;
                breaks.Add([]);
                Block(loop.Body);
                Emit(OpCode.Jump, 0, start, 0, loop.Line);
                PatchTarget(test, Here);
                foreach (int jump in breaks[^1]) PatchTarget(jump, Here);
                breaks.RemoveAt(breaks.Count - 1);
                break;
            }
            case NumericForStatement loop:
                NumericFor(loop);
                break;
            case DoStatement block:
                Block(block.Body);
                break;
            case ReturnStatement ret:
            {
                if (ret.Values.Count == 1)
                {
                    Emit(OpCode.Return, Anywhere(ret.Values[0]), 1, 0, ret.Line);
                    break;
                }
                int first = free;
                foreach (var value in ret.Values) Into(value, Reserve());
                Emit(OpCode.Return, first, ret.Values.Count, 0, ret.Line);
                break;
            }
            case BreakStatement br:
                if (breaks.Count == 0) throw new LuaSyntaxException(br.Line, "break outside a loop");
                breaks[^1].Add(Emit(OpCode.Jump, 0, -1, 0, br.Line));
                break;
            default:
                throw new InvalidOperationException($"line {statement.Line}: no code for {statement.GetType().Name}");
        }
        free = saved;
    }

    private void Local(LocalStatement local)
    {
        int first = free;
        var values = local.Values;
        int count = local.Variables.Count;
        for (int k = 0; k < values.Count; k++)
        {
            // The last value, a call, fills the remaining variables with its results.
            if (k == values.Count - 1 && values[k] is CallExpression call && count > values.Count)
            {
                int wanted = count - k;
                Call(call, Reserve(), wanted);
                for (int r = 1; r < wanted; r++) Reserve();
                break;
            }
            Into(values[k], Reserve());
        }
        while (free < first + count) Emit(OpCode.LoadNil, Reserve(), 0, 0, local.Line);
        free = first + count;   // values beyond the variables are dropped
        for (int k = 0; k < count; k++) Bind(local.Variables[k], first + k, local.Line);
    }

    // A new local whose value is in register r: it keeps r, or moves into a fresh cell if captured.
    private void Bind(LocalVariable variable, int register, int line)
    {
        if (!variable.Captured)
        {
            registers[variable] = register;
            return;
        }
        int cell = cells[variable] = cellCount++;
        Emit(OpCode.NewCell, 0, cell, 0, line);
        Emit(OpCode.SetCell, register, cell, 0, line);
    }

    private void LocalFunction(LocalFunctionStatement statement)
    {
        // The name is bound before the body is compiled, so the function can call itself.
        int register = Reserve();
        if (statement.Variable.Captured)
        {
            int cell = cells[statement.Variable] = cellCount++;
            Emit(OpCode.NewCell, 0, cell, 0, statement.Line);
            Emit(OpCode.Closure, register, program.CompileFunction(statement.Body, this), 0, statement.Line);
            Emit(OpCode.SetCell, register, cell, 0, statement.Line);
        }
        else
        {
            registers[statement.Variable] = register;
            Emit(OpCode.Closure, register, program.CompileFunction(statement.Body, this), 0, statement.Line);
        }
    }

    private void Assign(AssignStatement assign)
    {
        if (assign.Targets.Count == 1 && assign.Values.Count == 1)
        {
            Store(assign.Targets[0], assign.Values[0], null, assign.Line);
            return;
        }
        // Every value is evaluated before any target is assigned: a, b = b, a swaps.
        int first = free;
        int count = assign.Targets.Count;
        for (int k = 0; k < assign.Values.Count; k++)
        {
            if (k == assign.Values.Count - 1 && assign.Values[k] is CallExpression call && count > assign.Values.Count)
            {
                int wanted = count - k;
                Call(call, Reserve(), wanted);
                for (int r = 1; r < wanted; r++) Reserve();
                break;
            }
            Into(assign.Values[k], Reserve());
        }
        while (free < first + count) Emit(OpCode.LoadNil, Reserve(), 0, 0, assign.Line);
        for (int k = 0; k < count; k++) Store(assign.Targets[k], null, first + k, assign.Line);
    }

    // target = value (an expression, or a register holding it).
    private void Store(Expression target, Expression? value, int? register, int line)
    {
        int saved = free;
        switch (target)
        {
            case LocalExpression { Variable: var variable } when !variable.Captured:
                if (register is int source) Emit(OpCode.Move, registers[variable], source, 0, line);
                else Into(value!, registers[variable]);
                break;
            case LocalExpression { Variable: var variable }:
                Emit(OpCode.SetCell, register ?? Anywhere(value!), cells[variable], 0, line);
                break;
            case UpvalueExpression upvalue:
                Emit(OpCode.SetUpvalue, register ?? Anywhere(value!), Upvalue(upvalue.Variable), 0, line);
                break;
            case GlobalExpression global:
                Emit(OpCode.SetGlobal, register ?? Anywhere(value!), program.Constant(new LuaString(global.Name)), 0, line);
                break;
            case IndexExpression { Key: StringLiteral name } index:
            {
                int table = Anywhere(index.Target);
                Emit(OpCode.SetField, table, program.Constant(new LuaString(name.Value)), register ?? Anywhere(value!), line);
                break;
            }
            case IndexExpression index:
            {
                int table = Anywhere(index.Target);
                int key = Anywhere(index.Key);
                Emit(OpCode.SetTable, table, key, register ?? Anywhere(value!), line);
                break;
            }
            default:
                throw new LuaSyntaxException(line, "cannot assign to this expression");
        }
        free = saved;
    }

    private void If(IfStatement conditional)
    {
        var toEnd = new List<int>();
        for (int k = 0; k < conditional.Clauses.Count; k++)
        {
            var (condition, block) = conditional.Clauses[k];
            int saved = free;
            int test = Emit(OpCode.JumpIfFalse, Anywhere(condition), -1, 0, condition.Line);
            free = saved;
            Block(block);
            bool last = k == conditional.Clauses.Count - 1 && conditional.Else is null;
            if (!last) toEnd.Add(Emit(OpCode.Jump, 0, -1, 0, conditional.Line));
            PatchTarget(test, Here);
        }
        if (conditional.Else is not null) Block(conditional.Else);
        foreach (int jump in toEnd) PatchTarget(jump, Here);
    }

    private void NumericFor(NumericForStatement loop)
    {
        // R[base] index, R[base+1] limit, R[base+2] step, R[base+3] the variable the body sees.
        int start = Reserve(), limit = Reserve(), step = Reserve(), variable = Reserve();
        Into(loop.Start, start);
        Into(loop.Limit, limit);
        if (loop.Step is not null) Into(loop.Step, step);
        else Emit(OpCode.LoadConstant, step, program.Constant(new LuaInteger(1)), 0, loop.Line);
        int prepare = Emit(OpCode.ForPrepare, start, -1, 0, loop.Line);
        int body = Here;
        breaks.Add([]);
        int saved = free;
        Bind(loop.Variable, variable, loop.Line);
        Block(loop.Body);
        free = saved;
        PatchTarget(prepare, Here);
        Emit(OpCode.ForLoop, start, body, 0, loop.Line);
        foreach (int jump in breaks[^1]) PatchTarget(jump, Here);
        breaks.RemoveAt(breaks.Count - 1);
    }

    // Expressions.

    // The register holding the value: a local's own register, or a new temporary.
    private int Anywhere(Expression expression)
    {
        if (expression is LocalExpression { Variable: var variable } && !variable.Captured) return registers[variable];
        int register = Reserve();
        Into(expression, register);
        return register;
    }

    // Evaluates the expression into register target. Every case writes target last, after reading its
    // operands, so target may be one of them (x = x + 1); the cases that write it early go through a temporary.
    private void Into(Expression expression, int target)
    {
        int saved = free;
        int line = expression.Line;
        switch (expression)
        {
            case NilLiteral:
                Emit(OpCode.LoadNil, target, 0, 0, line);
                break;
            case BooleanLiteral boolean:
                Emit(OpCode.LoadBoolean, target, boolean.Value ? 1 : 0, 0, line);
                break;
            case IntegerLiteral integer:
                Emit(OpCode.LoadConstant, target, program.Constant(new LuaInteger(integer.Value)), 0, line);
                break;
            case FloatLiteral number:
                Emit(OpCode.LoadConstant, target, program.Constant(new LuaFloat(number.Value)), 0, line);
                break;
            case StringLiteral text:
                Emit(OpCode.LoadConstant, target, program.Constant(new LuaString(text.Value)), 0, line);
                break;
            case LocalExpression { Variable: var variable }:
                if (variable.Captured) Emit(OpCode.GetCell, target, cells[variable], 0, line);
                else if (registers[variable] != target) Emit(OpCode.Move, target, registers[variable], 0, line);
                break;
            case UpvalueExpression upvalue:
                Emit(OpCode.GetUpvalue, target, Upvalue(upvalue.Variable), 0, line);
                break;
            case GlobalExpression global:
                Emit(OpCode.GetGlobal, target, program.Constant(new LuaString(global.Name)), 0, line);
                break;
            case IndexExpression { Key: StringLiteral name } index:
                Emit(OpCode.GetField, target, Anywhere(index.Target), program.Constant(new LuaString(name.Value)), line);
                break;
            case IndexExpression index:
            {
                int table = Anywhere(index.Target);
                int key = Anywhere(index.Key);
                Emit(OpCode.GetTable, target, table, key, line);
                break;
            }
            case CallExpression call:
            {
                int callBase = Reserve();
                Call(call, callBase, 1);
                Emit(OpCode.Move, target, callBase, 0, line);
                break;
            }
            case FunctionExpression function:
                Emit(OpCode.Closure, target, program.CompileFunction(function.Body, this), 0, line);
                break;
            case BinaryExpression { Operator: "and" or "or" } logical:
            {
                // a and b: a if a is false or nil, else b. a or b: a if a is neither, else b.
                int temporary = Reserve();
                Into(logical.Left, temporary);
                int skip = Emit(logical.Operator == "and" ? OpCode.JumpIfFalse : OpCode.JumpIfTrue, temporary, -1, 0, line);
                Into(logical.Right, temporary);
                PatchTarget(skip, Here);
                Emit(OpCode.Move, target, temporary, 0, line);
                break;
            }
            case BinaryExpression binary:
            {
                int left = Anywhere(binary.Left);
                int right = Anywhere(binary.Right);
                var (op, swap) = binary.Operator switch
                {
                    "+" => (OpCode.Add, false),
                    "-" => (OpCode.Subtract, false),
                    "*" => (OpCode.Multiply, false),
                    "/" => (OpCode.Divide, false),
                    "//" => (OpCode.FloorDivide, false),
                    "%" => (OpCode.Modulo, false),
                    "^" => (OpCode.Power, false),
                    ".." => (OpCode.Concat, false),
                    "==" => (OpCode.Equal, false),
                    "~=" => (OpCode.NotEqual, false),
                    "<" => (OpCode.LessThan, false),
                    "<=" => (OpCode.LessEqual, false),
                    ">" => (OpCode.LessThan, true),
                    ">=" => (OpCode.LessEqual, true),
                    _ => throw new LuaSyntaxException(line, $"unknown operator '{binary.Operator}'"),
                };
                Emit(op, target, swap ? right : left, swap ? left : right, line);
                break;
            }
            case UnaryExpression unary:
            {
                int operand = Anywhere(unary.Operand);
                var op = unary.Operator switch
                {
                    "-" => OpCode.Negate,
                    "not" => OpCode.Not,
                    "#" => OpCode.Length,
                    _ => throw new LuaSyntaxException(line, $"unknown operator '{unary.Operator}'"),
                };
                Emit(op, target, operand, 0, line);
                break;
            }
            case TableExpression table:
            {
                int temporary = Reserve();
                Emit(OpCode.NewTable, temporary, 0, 0, line);
                foreach (var (key, value) in table.Fields)
                {
                    int fieldSaved = free;
                    if (key is StringLiteral name) Emit(OpCode.SetField, temporary, program.Constant(new LuaString(name.Value)), Anywhere(value), value.Line);
                    else Emit(OpCode.SetTable, temporary, Anywhere(key), Anywhere(value), value.Line);
                    free = fieldSaved;
                }
                Emit(OpCode.Move, target, temporary, 0, line);
                break;
            }
            default:
                throw new InvalidOperationException($"line {line}: no code for {expression.GetType().Name}");
        }
        free = saved;
    }

    // A call with the function in callBase (the top register) and the arguments after it; its first
    // `wanted` results land in callBase on. A call as the last argument gives one value (see the README).
    private void Call(CallExpression call, int callBase, int wanted)
    {
        Into(call.Function, callBase);
        foreach (var argument in call.Arguments) Into(argument, Reserve());
        Emit(OpCode.Call, callBase, call.Arguments.Count, wanted, call.Line);
        free = callBase + 1;
    }

    // The index of a captured variable of an enclosing function in this function's upvalue list.
    private int Upvalue(LocalVariable variable)
    {
        if (upvalueIndex.TryGetValue(variable, out int index)) return index;
        var enclosing = parent ?? throw new InvalidOperationException($"'{variable.Name}' has no enclosing function");
        var descriptor = enclosing.body.Id == variable.Function
            ? new UpvalueDescriptor(true, enclosing.cells[variable], variable.Name)
            : new UpvalueDescriptor(false, enclosing.Upvalue(variable), variable.Name);
        upvalues.Add(descriptor);
        return upvalueIndex[variable] = upvalues.Count - 1;
    }
}
