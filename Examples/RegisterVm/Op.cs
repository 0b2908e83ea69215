namespace PeJit.Examples.RegisterVm;

/// <summary>The operations of the register machine. R[x] is register x of the current frame.</summary>
public enum Op
{
    /// <summary><c>loadk rA, N</c>: R[A] = the constant pool's entry B (the assembler puts N there).</summary>
    LoadConst,
    /// <summary><c>move rA, rB</c>: R[A] = R[B].</summary>
    Move,
    /// <summary><c>add rA, rB, rC</c>: R[A] = R[B] + R[C].</summary>
    Add,
    /// <summary><c>sub rA, rB, rC</c>: R[A] = R[B] - R[C].</summary>
    Sub,
    /// <summary><c>mul rA, rB, rC</c>: R[A] = R[B] * R[C].</summary>
    Mul,
    /// <summary><c>div rA, rB, rC</c>: R[A] = R[B] / R[C], truncated.</summary>
    Div,
    /// <summary><c>mod rA, rB, rC</c>: R[A] = R[B] % R[C].</summary>
    Mod,
    /// <summary><c>neg rA, rB</c>: R[A] = -R[B].</summary>
    Neg,
    /// <summary><c>eq rA, rB, rC</c>: R[A] = 1 if R[B] == R[C], else 0.</summary>
    Eq,
    /// <summary><c>lt rA, rB, rC</c>: R[A] = 1 if R[B] &lt; R[C], else 0.</summary>
    Lt,
    /// <summary><c>le rA, rB, rC</c>: R[A] = 1 if R[B] &lt;= R[C], else 0.</summary>
    Le,
    /// <summary><c>jump L</c>: go to instruction A.</summary>
    Jump,
    /// <summary><c>jz rA, L</c>: go to instruction B if R[A] is zero.</summary>
    JumpIfZero,
    /// <summary><c>jnz rA, L</c>: go to instruction B if R[A] is not zero.</summary>
    JumpIfNotZero,
    /// <summary><c>print rA</c>: write R[A] and a newline.</summary>
    Print,
    /// <summary><c>call rA, F, rC</c>: R[A] = function B called with R[C], R[C+1], ... as its first registers.</summary>
    Call,
    /// <summary><c>ret rA</c>: return R[A] to the caller.</summary>
    Return,
}
