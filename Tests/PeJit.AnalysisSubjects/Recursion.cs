namespace PeJit.AnalysisSubjects;

/// <summary>A node of a green tree: a leaf holds a slot of the frame's stack, an inner node adds or picks between its children.</summary>
[JitImmutable]
public abstract class TreeNode
{
    /// <summary>Evaluates the node against the frame (virtual dispatch; overrides call it on their children).</summary>
    public abstract long Evaluate(Frame frame);

    /// <summary>Double dispatch: calls the visitor's method for this node's class.</summary>
    public abstract long Accept(TreeVisitor visitor, Frame frame);

    /// <summary>A generic virtual method, overridden by every class.</summary>
    public abstract long Fold<T>(T seed, Frame frame) where T : class;
}

/// <summary>A leaf: the frame's stack slot <see cref="Slot"/>.</summary>
[JitImmutable]
public sealed class TreeLeaf(int slot) : TreeNode
{
    /// <summary>The stack slot read.</summary>
    public readonly int Slot = slot;

    /// <inheritdoc/>
    public override long Evaluate(Frame frame) => frame.Stack[Slot];

    /// <inheritdoc/>
    public override long Accept(TreeVisitor visitor, Frame frame) => visitor.VisitLeaf(this, frame);

    /// <inheritdoc/>
    public override long Fold<T>(T seed, Frame frame) => frame.Stack[Slot];
}

/// <summary>The sum of two children.</summary>
[JitImmutable]
public sealed class TreeSum(TreeNode left, TreeNode right) : TreeNode
{
    /// <summary>The left child.</summary>
    public readonly TreeNode Left = left;

    /// <summary>The right child.</summary>
    public readonly TreeNode Right = right;

    /// <inheritdoc/>
    public override long Evaluate(Frame frame) => Left.Evaluate(frame) + Right.Evaluate(frame);

    /// <inheritdoc/>
    public override long Accept(TreeVisitor visitor, Frame frame) => visitor.VisitSum(this, frame);

    /// <inheritdoc/>
    public override long Fold<T>(T seed, Frame frame) => Left.Fold(seed, frame) + Right.Fold(seed, frame);
}

/// <summary>A visitor over <see cref="TreeNode"/>s.</summary>
public abstract class TreeVisitor
{
    /// <summary>Visits a leaf.</summary>
    public abstract long VisitLeaf(TreeLeaf leaf, Frame frame);

    /// <summary>Visits a sum.</summary>
    public abstract long VisitSum(TreeSum sum, Frame frame);
}

/// <summary>Evaluates a tree by double dispatch.</summary>
public sealed class EvaluatingVisitor : TreeVisitor
{
    /// <inheritdoc/>
    public override long VisitLeaf(TreeLeaf leaf, Frame frame) => frame.Stack[leaf.Slot];

    /// <inheritdoc/>
    public override long VisitSum(TreeSum sum, Frame frame) => sum.Left.Accept(this, frame) + sum.Right.Accept(this, frame);
}

/// <summary>Something evaluated through an interface.</summary>
public interface ITerm
{
    /// <summary>Evaluates the term.</summary>
    long Value(Frame frame);
}

/// <summary>A term that is a stack slot.</summary>
[JitImmutable]
public sealed class SlotTerm(int slot) : ITerm
{
    /// <summary>The slot.</summary>
    public readonly int Slot = slot;

    /// <inheritdoc/>
    public long Value(Frame frame) => frame.Stack[Slot];
}

/// <summary>A term that negates another.</summary>
[JitImmutable]
public sealed class NegatedTerm(ITerm inner) : ITerm
{
    /// <summary>The term negated.</summary>
    public readonly ITerm Inner = inner;

    /// <inheritdoc/>
    public long Value(Frame frame) => -Inner.Value(frame);
}

/// <summary>A program of green trees, one per pc.</summary>
[JitImmutable]
public sealed class TreeCode(TreeNode[] trees, ITerm[] terms, TreeVisitor visitor)
{
    /// <summary>The trees.</summary>
    public readonly TreeNode[] Trees = trees;

    /// <summary>The terms.</summary>
    public readonly ITerm[] Terms = terms;

    /// <summary>The visitor.</summary>
    public readonly TreeVisitor Visitor = visitor;
}

/// <summary>
/// Recursion on green arguments: one portal per shape of recursive call. Each loop adds to <c>frame.Stack[1]</c>
/// until it passes <c>frame.Stack[2]</c>, so the runnable ones also serve differential tests of the engine.
/// </summary>
public static class Recursion
{
    /// <summary>Direct recursion on a green tree: unfolded. And a recursive call with only red arguments: residual.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Direct(TreeCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            long total = Sum(code.Trees[pc], frame);
            long red = Countdown(frame.Stack[0]);
            frame.Stack[1] += total + red;
            if (frame.Stack[1] > frame.Stack[2]) return frame.Stack[1];
            pc = (pc + 1) % code.Trees.Length;
            Jit.CanEnterJit(pc, code, frame);
        }
    }

    private static long Sum(TreeNode node, Frame frame) =>
        node is TreeSum sum ? Sum(sum.Left, frame) + Sum(sum.Right, frame) : frame.Stack[((TreeLeaf)node).Slot];

    private static long Countdown(long n) => n <= 0 ? 0 : Countdown(n - 1);

    /// <summary>Mutual recursion on a green tree: both calls unfolded.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Mutual(TreeCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            frame.Stack[1] += Even(code.Trees[pc], frame);
            if (frame.Stack[1] > frame.Stack[2]) return frame.Stack[1];
            pc = (pc + 1) % code.Trees.Length;
            Jit.CanEnterJit(pc, code, frame);
        }
    }

    private static long Even(TreeNode node, Frame frame) => node is TreeSum sum ? Odd(sum.Left, frame) : 0;

    private static long Odd(TreeNode node, Frame frame) => node is TreeSum sum ? Even(sum.Right, frame) + 1 : frame.Stack[3];

    /// <summary>
    /// A <c>Jit.Promote</c> inside unfolded recursive calls: a value the unit has no case for leaves compiled code
    /// in the middle of the step, with the unfolded frames on the stack, and the interpreter finishes the step.
    /// </summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Promoted(TreeCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            frame.Kind = (int)(frame.Stack[1] % 5);
            // Called before the element's address is taken: a mid-step exit cannot keep an address live.
            long scaled = Scaled(code.Trees[pc], frame);
            frame.Stack[1] += scaled;
            if (frame.Stack[1] > frame.Stack[2]) return frame.Stack[1];
            pc = (pc + 1) % code.Trees.Length;
            Jit.CanEnterJit(pc, code, frame);
        }
    }

    private static long Scaled(TreeNode node, Frame frame) =>
        node is TreeSum sum ? Scaled(sum.Left, frame) + Scaled(sum.Right, frame) : frame.Stack[((TreeLeaf)node).Slot] * (Jit.Promote(frame.Kind) + 1);

    /// <summary>A helper that calls itself with its own green argument: residual, decided by the analysis.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Repeating(TreeCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            frame.Stack[1] += Retry(code.Trees[pc], frame);
            pc = (pc + 1) % code.Trees.Length;
        }
    }

    private static long Retry(TreeNode node, Frame frame) => frame.Stack[0] > 0 ? frame.Stack[0]-- + Retry(node, frame) : 0;

    /// <summary>Virtual calls on green receivers: overrides recursing on children, an interface, a generic virtual method, a visitor.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long Virtual(TreeCode code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            long evaluated = code.Trees[pc].Evaluate(frame);
            long term = code.Terms[pc].Value(frame);
            long folded = code.Trees[pc].Fold(code, frame);
            long visited = code.Trees[pc].Accept(code.Visitor, frame);
            frame.Stack[1] += evaluated + term + folded + visited;
            if (frame.Stack[1] > frame.Stack[2]) return frame.Stack[1];
            pc = (pc + 1) % code.Trees.Length;
            Jit.CanEnterJit(pc, code, frame);
        }
    }
}
