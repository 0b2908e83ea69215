using PeJit;
using PeJit.Examples.Lua.Compiler;
using PeJit.Examples.Lua.Values;

namespace PeJit.Examples.Lua;

/// <summary>
/// One activation of a Lua function: its registers (locals and temporaries), its cells (locals a closure
/// captured), its closure (for upvalues), and where its results go: the caller's registers from
/// <see cref="ResultIndex"/> on, <see cref="Wanted"/> of them; when <see cref="Wanted"/> is 1, <c>Interpreter.Run</c>'s
/// return value instead (the frame then holds no caller's registers); or, when <see cref="Wanted"/> is -1 (a call
/// from C#, such as <c>pcall</c>'s), all of them into <see cref="Results"/>.
/// </summary>
/// <remarks>
/// <c>[Virtualizable]</c> names the registers: while compiled code runs a loop they live in SSA values (machine
/// registers), across calls that are not given the frame or its registers (a table's <c>Get</c>, a string's
/// concatenation), and are written back before a call that is (a builtin, a Lua call) and when compiled code leaves
/// (DESIGN.md, "The hints"; the attribute's rules). The portal's red <c>regs</c> is tested once per loop to be
/// <c>frame.Registers</c>.
/// </remarks>
[Virtualizable("Registers[*]")]
public sealed class Frame
{
    /// <summary>The registers; the parameters are the first ones. Every register starts nil.</summary>
    public readonly LuaValue[] Registers;

    /// <summary>The cells of the captured locals, made by <see cref="OpCode.NewCell"/>.</summary>
    public readonly Upvalue[] Cells;

    /// <summary>The running closure.</summary>
    public readonly LuaClosure Closure;

    /// <summary>The interpreter state: globals, output.</summary>
    public readonly LuaState State;

    /// <summary>The caller's registers, where <c>return</c> writes the results; null when the caller wants one result, which <c>Run</c> returns.</summary>
    public readonly LuaValue[]? ResultRegisters;

    /// <summary>The first register of <see cref="ResultRegisters"/> that gets a result.</summary>
    public readonly int ResultIndex;

    /// <summary>How many results the caller wants (missing ones are nil, extra ones dropped); -1 for all, into <see cref="Results"/>.</summary>
    public readonly int Wanted;

    /// <summary>How many Lua calls are open below this one (the chunk's frame is 0).</summary>
    public readonly int Depth;

    /// <summary>Every result, when <see cref="Wanted"/> is -1; set by <c>return</c>.</summary>
    public LuaValue[]? Results;

    /// <summary>A frame for <paramref name="closure"/>, with every register nil.</summary>
    public Frame(LuaClosure closure, LuaState state, LuaValue[]? resultRegisters, int resultIndex, int wanted, int depth)
        : this(closure, closure.Prototype, state, resultRegisters, resultIndex, wanted, depth)
    {
    }

    /// <summary>
    /// A frame for <paramref name="closure"/>, whose prototype the caller has read (a Lua call promotes it, so that a
    /// compiled call knows how many registers and cells the frame has: constants, and the frame can live in SSA values).
    /// </summary>
    public Frame(LuaClosure closure, Prototype prototype, LuaState state, LuaValue[]? resultRegisters, int resultIndex, int wanted, int depth)
    {
        Registers = new LuaValue[prototype.Registers];
        Array.Fill(Registers, LuaNil.Instance);
        Cells = prototype.Cells == 0 ? [] : new Upvalue[prototype.Cells];
        Closure = closure;
        State = state;
        ResultRegisters = resultRegisters;
        ResultIndex = resultIndex;
        Wanted = wanted;
        Depth = depth;
    }
}
