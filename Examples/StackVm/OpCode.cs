namespace PeJit.Examples.StackVm;

/// <summary>The instructions of the stack VM. Operands follow the opcode in the code array.</summary>
public enum OpCode : long
{
    /// <summary><c>push N</c>: push the constant N.</summary>
    Push,
    /// <summary>Drop the top of the stack.</summary>
    Pop,
    /// <summary>Duplicate the top.</summary>
    Dup,
    /// <summary>Swap the two top entries.</summary>
    Swap,
    /// <summary>Push a copy of the entry below the top.</summary>
    Over,
    /// <summary>a b → a+b.</summary>
    Add,
    /// <summary>a b → a-b.</summary>
    Sub,
    /// <summary>a b → a*b.</summary>
    Mul,
    /// <summary>a b → a/b.</summary>
    Div,
    /// <summary>a b → a%b.</summary>
    Mod,
    /// <summary>a → -a.</summary>
    Neg,
    /// <summary>a b → 1 if a==b else 0.</summary>
    Eq,
    /// <summary>a b → 1 if a&lt;b else 0.</summary>
    Lt,
    /// <summary>a b → 1 if a&gt;b else 0.</summary>
    Gt,
    /// <summary><c>jump L</c>.</summary>
    Jump,
    /// <summary><c>jz L</c>: pop; jump if zero.</summary>
    JumpIfZero,
    /// <summary><c>jnz L</c>: pop; jump if not zero.</summary>
    JumpIfNotZero,
    /// <summary><c>load i</c>: push local i (arguments are the first locals).</summary>
    Load,
    /// <summary><c>store i</c>: pop into local i.</summary>
    Store,
    /// <summary><c>call f</c>: pop the function's arguments, run it, push its result.</summary>
    Call,
    /// <summary>Return the top of the stack to the caller.</summary>
    Return,
    /// <summary>Print the top of the stack (it stays there).</summary>
    Print,
}
