namespace PeJit.Examples.Brainfuck;

/// <summary>The compiled operations: runs of <c>+ - &gt; &lt;</c> are folded into one operation with a count.</summary>
public enum BfOp
{
    /// <summary>Add the argument to the current cell (a run of + and -).</summary>
    Add,
    /// <summary>Move the pointer by the argument (a run of &gt; and &lt;).</summary>
    Move,
    /// <summary>Set the current cell to zero (<c>[-]</c>).</summary>
    Clear,
    /// <summary>Write the current cell.</summary>
    Output,
    /// <summary>Read a byte into the current cell (0 at end of input).</summary>
    Input,
    /// <summary><c>[</c>: jump past the matching <c>]</c> (the argument) if the cell is zero.</summary>
    JumpIfZero,
    /// <summary><c>]</c>: jump back after the matching <c>[</c> (the argument) if the cell is not zero.</summary>
    JumpIfNotZero,
    /// <summary>End of the program.</summary>
    Halt,
}
