namespace PeJit.Examples.Brainfuck;

/// <summary>Compiles Brainfuck source: folds runs, recognizes <c>[-]</c>, and builds the jump table.</summary>
public static class BfCompiler
{
    /// <summary>Compiles <paramref name="source"/>; characters other than the eight commands are comments.</summary>
    /// <exception cref="FormatException">Unbalanced brackets; the message gives the position.</exception>
    public static BfProgram Compile(string source)
    {
        var ops = new List<BfOp>();
        var arguments = new List<int>();
        var open = new Stack<(int Op, int Position)>();
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            switch (c)
            {
                case '+' or '-' or '>' or '<':
                {
                    var kind = c is '+' or '-' ? BfOp.Add : BfOp.Move;
                    int delta = c is '+' or '>' ? 1 : -1;
                    if (ops.Count > 0 && ops[^1] == kind)
                    {
                        arguments[^1] += delta;
                        if (arguments[^1] == 0) { ops.RemoveAt(ops.Count - 1); arguments.RemoveAt(arguments.Count - 1); }
                    }
                    else
                    {
                        ops.Add(kind);
                        arguments.Add(delta);
                    }
                    break;
                }
                case '.': ops.Add(BfOp.Output); arguments.Add(0); break;
                case ',': ops.Add(BfOp.Input); arguments.Add(0); break;
                case '[':
                    open.Push((ops.Count, i));
                    ops.Add(BfOp.JumpIfZero);
                    arguments.Add(0);
                    break;
                case ']':
                {
                    if (open.Count == 0) throw new FormatException($"unmatched ']' at position {i}");
                    var (start, _) = open.Pop();
                    if (ops.Count == start + 2 && ops[start + 1] == BfOp.Add && Math.Abs(arguments[start + 1]) == 1)
                    {
                        // [-] or [+]: the cell becomes zero.
                        ops.RemoveRange(start, 2);
                        arguments.RemoveRange(start, 2);
                        ops.Add(BfOp.Clear);
                        arguments.Add(0);
                        break;
                    }
                    ops.Add(BfOp.JumpIfNotZero);
                    arguments.Add(start);
                    arguments[start] = ops.Count - 1;
                    break;
                }
            }
        }
        if (open.Count > 0) throw new FormatException($"unmatched '[' at position {open.Peek().Position}");
        ops.Add(BfOp.Halt);
        arguments.Add(0);
        return new BfProgram(ops.ToArray(), arguments.ToArray());
    }
}
