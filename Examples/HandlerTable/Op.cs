namespace PeJit.Examples.HandlerTable;

/// <summary>
/// The operations of the machine; each indexes its handler in <see cref="Interpreter.Handlers"/>. An
/// operand follows its operation in the code array.
/// </summary>
public enum Op
{
    /// <summary><c>push N</c>: push N (32 bits, sign-extended).</summary>
    Push,
    /// <summary>Drop the top of the stack.</summary>
    Pop,
    /// <summary>Duplicate the top.</summary>
    Dup,
    /// <summary>a b → a+b.</summary>
    Add,
    /// <summary>a b → a-b.</summary>
    Sub,
    /// <summary>a b → a*b.</summary>
    Mul,
    /// <summary>a b → a/b, truncated.</summary>
    Div,
    /// <summary>a b → a%b.</summary>
    Mod,
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
    /// <summary><c>load i</c>: push local i (the arguments are the first locals).</summary>
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
