using System.Reflection;

namespace PeJit.AnalysisSubjects;

// Each case has a delegate type of its own: a family is every method the assembly turns into a delegate of the
// type, so a shared Func<...> would mix the cases' families.

/// <summary>A handler of the table case: does one operation, returns the next pc.</summary>
public delegate int StepHandler(Code code, Frame frame, int pc);

/// <summary>The instance method group case.</summary>
public delegate int ScaleHandler(int value);

/// <summary>The closure over a fixed value. (A family's result is red when any member's is, so the two closures have types of their own.)</summary>
public delegate int FixedAddHandler(int value);

/// <summary>The closure over a changing value.</summary>
public delegate int AddHandler(int value);

/// <summary>A closure made in the portal, over red state.</summary>
public delegate long RedClosureHandler(int value);

/// <summary>The promoted case: read from mutable memory, so red until Jit.Promote.</summary>
public delegate long PromotedHandler(long value);

/// <summary>A family of one lambda, and a delegate of the type made by reflection for a method outside it.</summary>
public delegate int MixedHandler(int value);

/// <summary>Only ever made by reflection.</summary>
public delegate int ReflectedHandler(int value);

/// <summary>A scale factor whose <see cref="Scale"/> becomes a delegate: an instance method group.</summary>
public sealed class Scaler(int factor)
{
    /// <summary>Readonly, so green on a green scaler.</summary>
    public readonly int Factor = factor;

    /// <summary>The method group.</summary>
    public int Scale(int value) => value * Factor;
}

/// <summary>Calls through delegates: green ones are inlined per family member, red ones stay calls.</summary>
public static class Delegates
{
    /// <summary>A table of handlers: lambdas and a static method group.</summary>
    public static readonly StepHandler[] Table =
    [
        (code, frame, pc) => pc + 1 + code.Constants[0],
        (code, frame, pc) =>
        {
            frame.Stack[0] += code.Ops[pc + 1];
            return pc + 2;
        },
        Skip,
    ];

    /// <summary>An instance method group on an immutable object.</summary>
    public static readonly ScaleHandler Scale = new Scaler(3).Scale;

    /// <summary>A closure over a value nothing writes after the closure is made.</summary>
    public static readonly FixedAddHandler FixedClosure = MakeAdder(5);

    /// <summary>A closure over a variable written again after the delegate exists.</summary>
    public static readonly AddHandler ChangingClosure = MakeChangingAdder();

    /// <summary>A delegate made by reflection, of a type no code of this assembly makes.</summary>
    public static readonly ReflectedHandler Reflected =
        (ReflectedHandler)Delegate.CreateDelegate(typeof(ReflectedHandler), typeof(Delegates).GetMethod(nameof(Twice), BindingFlags.NonPublic | BindingFlags.Static)!);

    /// <summary>Mutable: a read of it is red.</summary>
    public static PromotedHandler Current = Increment;

    private static long Increment(long value) => value + 1;

    private static long Decrement(long value) => value - 1;

    /// <summary>Makes <see cref="Current"/> a decrement (a second member of its family).</summary>
    public static void CountDown() => Current = Decrement;

    /// <summary>Makes <see cref="Current"/> an increment again.</summary>
    public static void ResetCurrent() => Current = Increment;

    private static int Skip(Code code, Frame frame, int pc) => pc + 3;

    private static int Twice(int value) => 2 * value;

    private static int Thrice(int value) => 3 * value;

    /// <summary>The family of <see cref="MixedHandler"/>: one lambda.</summary>
    public static readonly MixedHandler InFamily = value => value + 7;

    /// <summary>A green delegate whose target is not in its type's family.</summary>
    public static readonly MixedHandler OutsideFamily =
        (MixedHandler)Delegate.CreateDelegate(typeof(MixedHandler), typeof(Delegates).GetMethod(nameof(Thrice), BindingFlags.NonPublic | BindingFlags.Static)!);

    private static long AddToTop(long top, int value)
    {
        RedClosureHandler add = v => top + v;
        return add(value);
    }

    private static FixedAddHandler MakeAdder(int amount) => value => value + amount;

    private static AddHandler MakeChangingAdder()
    {
        int amount = 1;
        AddHandler adder = value => value + amount;
        amount = 2;
        return adder;
    }

    /// <summary>The handler-table style: the pc comes back from a green delegate.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long HandlerTable(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            if (pc >= code.Ops.Length) return frame.Stack[0];
            pc = Table[code.Ops[pc]](code, frame, pc);
        }
    }

    /// <summary>An instance method group, and closures over fixed and changing values.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long MethodGroupsAndClosures(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int scaled = Scale(pc);
            int added = FixedClosure(pc);
            int changing = ChangingClosure(pc);
            frame.Stack[0] += scaled + added + changing;
            if (frame.Stack[0] > 100000) return frame.Stack[0];
            pc = (pc + 1) % code.Ops.Length;
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }

    /// <summary>A closure made while running over a red value (in a helper, so that the closure is not live at the merge point): the delegate is red.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long RedClosure(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            long sum = AddToTop(frame.Stack[0], pc);
            frame.Stack[0] = sum;
            if (sum > 1000) return sum;
            pc = (pc + 1) % code.Ops.Length;
        }
    }

    /// <summary>A green delegate made by reflection: no family, a residual call.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long ReflectedDelegate(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int doubled = Reflected(pc);
            frame.Stack[0] += doubled;
            if (frame.Stack[0] > 100000) return frame.Stack[0];
            pc = (pc + 1) % code.Ops.Length;
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }

    /// <summary>A delegate read from mutable memory and promoted: green behind a guard on its value.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long PromotedDelegate(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            var handler = Jit.Promote(Current);
            long counted = handler(frame.Stack[0]);
            frame.Stack[0] = counted;
            if (counted >= 100000 || counted < 0) return counted;
            pc = (pc + 1) % code.Ops.Length;
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }

    /// <summary>A green delegate outside its family: the analysis inlines the family, the specializer finds no member for it.</summary>
    [JitPortal(Greens = ["pc", "code"], Reds = ["frame"])]
    public static long DelegateOutsideItsFamily(Code code, Frame frame)
    {
        int pc = 0;
        while (true)
        {
            Jit.MergePoint(pc, code, frame);
            int tripled = OutsideFamily(pc);
            frame.Stack[0] += tripled + 1;
            if (frame.Stack[0] > 100000) return frame.Stack[0];
            pc = (pc + 1) % code.Ops.Length;
            if (pc == 0) Jit.CanEnterJit(pc, code, frame);
        }
    }
}
