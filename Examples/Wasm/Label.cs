namespace PeJit.Examples.Wasm;

/// <summary>What pushed a label: a branch to a loop goes back to its start, to anything else past its end.</summary>
public enum LabelKind : byte { Block, Loop, If, Function }

/// <summary>
/// An entry of the control stack, pushed at <c>block</c>, <c>loop</c>, <c>if</c> and a call, popped at <c>end</c>:
/// where a branch to it goes, the value stack's height when it was entered, and how many values a branch to it carries.
/// </summary>
public struct Label(LabelKind kind, int target, int height, int arity)
{
    public LabelKind Kind = kind;
    public int Target = target;
    public int Height = height;
    public int Arity = arity;
}
