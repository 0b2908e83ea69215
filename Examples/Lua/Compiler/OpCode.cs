namespace PeJit.Examples.Lua.Compiler;

/// <summary>
/// The instructions. R[x] is register x of the running function's frame, K[x] constant x of the program,
/// U[x] its closure's captured variable x, C[x] its own cell x (a local a closure captured). Jump targets
/// are absolute instruction indexes.
/// </summary>
public enum OpCode
{
    /// <summary>R[A] = R[B].</summary>
    Move,
    /// <summary>R[A] = K[B].</summary>
    LoadConstant,
    /// <summary>R[A] = nil.</summary>
    LoadNil,
    /// <summary>R[A] = B != 0 (a boolean).</summary>
    LoadBoolean,
    /// <summary>R[A] = globals[K[B]].</summary>
    GetGlobal,
    /// <summary>globals[K[B]] = R[A].</summary>
    SetGlobal,
    /// <summary>R[A] = U[B].Value.</summary>
    GetUpvalue,
    /// <summary>U[B].Value = R[A].</summary>
    SetUpvalue,
    /// <summary>C[B] = a new cell (a captured local's declaration: each execution makes a fresh variable).</summary>
    NewCell,
    /// <summary>R[A] = C[B].Value.</summary>
    GetCell,
    /// <summary>C[B].Value = R[A].</summary>
    SetCell,
    /// <summary>R[A] = {}.</summary>
    NewTable,
    /// <summary>R[A] = R[B][R[C]].</summary>
    GetTable,
    /// <summary>R[A][R[B]] = R[C].</summary>
    SetTable,
    /// <summary>R[A] = R[B][K[C]], K[C] a string constant (<c>t.name</c>): the table's shape is promoted, so compiled code knows the field's slot.</summary>
    GetField,
    /// <summary>R[A][K[B]] = R[C], K[B] a string constant (<c>t.name = v</c>), as <see cref="GetField"/>.</summary>
    SetField,
    /// <summary>R[A] = R[B] + R[C].</summary>
    Add,
    /// <summary>R[A] = R[B] - R[C].</summary>
    Subtract,
    /// <summary>R[A] = R[B] * R[C].</summary>
    Multiply,
    /// <summary>R[A] = R[B] / R[C].</summary>
    Divide,
    /// <summary>R[A] = R[B] // R[C].</summary>
    FloorDivide,
    /// <summary>R[A] = R[B] % R[C].</summary>
    Modulo,
    /// <summary>R[A] = R[B] ^ R[C].</summary>
    Power,
    /// <summary>R[A] = R[B] .. R[C].</summary>
    Concat,
    /// <summary>R[A] = -R[B].</summary>
    Negate,
    /// <summary>R[A] = not R[B].</summary>
    Not,
    /// <summary>R[A] = #R[B].</summary>
    Length,
    /// <summary>R[A] = R[B] == R[C].</summary>
    Equal,
    /// <summary>R[A] = R[B] ~= R[C].</summary>
    NotEqual,
    /// <summary>R[A] = R[B] &lt; R[C].</summary>
    LessThan,
    /// <summary>R[A] = R[B] &lt;= R[C].</summary>
    LessEqual,
    /// <summary>Go to B.</summary>
    Jump,
    /// <summary>If R[A] is false or nil, go to B.</summary>
    JumpIfFalse,
    /// <summary>If R[A] is neither false nor nil, go to B.</summary>
    JumpIfTrue,
    /// <summary>Call R[A] with the B arguments R[A+1..A+B]; its first C results go to R[A..A+C-1].</summary>
    Call,
    /// <summary>Return the B values R[A..A+B-1].</summary>
    Return,
    /// <summary>R[A] = a closure of prototype B, capturing what its upvalue list names.</summary>
    Closure,
    /// <summary>Numeric for, before the loop: check R[A] (start), R[A+1] (limit), R[A+2] (step) are numbers, R[A] -= R[A+2], go to B (the <see cref="ForLoop"/>).</summary>
    ForPrepare,
    /// <summary>Numeric for, at the end of the body: R[A] += R[A+2]; if R[A] has not passed R[A+1], R[A+3] = R[A] and go back to B (the body).</summary>
    ForLoop,
}
