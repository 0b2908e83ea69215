namespace PeJit.TestSubjects;

/// <summary>The operand stack of <see cref="StructValueVm"/>: an array of values and the index of the first free slot.</summary>
public sealed class StructStack
{
    public readonly LoxValue[] Stack = new LoxValue[64];
    public int Top;

    public void Push(LoxValue value) => Stack[Top++] = value;
    public LoxValue Pop() => Stack[--Top];
    public LoxValue Peek(int distance) => Stack[Top - 1 - distance];
}
