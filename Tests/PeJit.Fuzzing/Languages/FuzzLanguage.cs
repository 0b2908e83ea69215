using System.Reflection;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Termination;
using PeJit.Runtime;
using PeJit.Specializer.Engine;

namespace PeJit.Fuzzing.Languages;

/// <summary>
/// What the fuzzers need to know about one example language: how to generate a program, check that it may be
/// run, run it in the plain interpreter and through a <see cref="PortalJit"/>, read the language's operation at
/// a green key of compiled code, and cut a program into the pieces the shrinker removes.
/// </summary>
public abstract class FuzzLanguage
{
    /// <summary>Steps a program may take in the step-counting model; generated programs stay well below.</summary>
    public const long StepLimit = 2_000_000;

    /// <summary>Interpreted calls a program may nest: the JIT-enabled interpreter spends several .NET frames on each.</summary>
    public const int DepthLimit = 200;

    /// <summary>The languages, by <see cref="Name"/>.</summary>
    public static IReadOnlyList<FuzzLanguage> All { get; } = [
        new StackVmLanguage(), new BrainfuckLanguage(), new RegisterVmLanguage(), new HandlerTableLanguage(),
        new TreeWalkerLanguage(PeJit.Examples.TreeWalker.Evaluator.Switch), new TreeWalkerLanguage(PeJit.Examples.TreeWalker.Evaluator.Virtual), new LuaLanguage(), new WasmLanguage(),
    ];

    /// <summary>The language called <paramref name="name"/> (case-insensitive), or an exception that lists them.</summary>
    public static FuzzLanguage Named(string name) =>
        All.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no language '{name}'; the languages are: {string.Join(", ", All.Select(l => l.Name))}");

    /// <summary>The name used on the command line and as the folder of regression cases: <c>stackvm</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The extension of program files, with its dot: <c>.svm</c>.</summary>
    public abstract string Extension { get; }

    /// <summary>The interpreter's portal method.</summary>
    public abstract MethodInfo Portal { get; }

    /// <summary>Every operation of the language, as <see cref="OperationsIn"/> and <see cref="OperationAt"/> name them.</summary>
    public abstract IReadOnlyList<string> Operations { get; }

    /// <summary>A random well-formed program that ends within the bounds (returning or throwing), made from <paramref name="random"/> only.</summary>
    public abstract string Generate(Random random);

    /// <summary>
    /// A program of <paramref name="generate"/> (from the random source, at a size scale) that the step-counting
    /// model says ends within <paramref name="stepBudget"/> steps: a program that does not is drawn again at 0.8
    /// times the size; after 40 tries, <paramref name="fallback"/>, a small program known to end.
    /// </summary>
    protected string GenerateEnding(Random random, Func<Random, double, string> generate, long stepBudget, string fallback)
    {
        double scale = 1.0;
        for (int attempt = 0; attempt < 40; attempt++, scale *= 0.8)
        {
            string program = generate(random, scale);
            if (Check(program) is { Ends: true } run && run.Steps <= stepBudget) return program;
        }
        return fallback;
    }

    /// <summary>What the step-counting model says about <paramref name="program"/>; null when it is not well-formed (does not assemble or compile).</summary>
    public abstract BoundedRun? Check(string program);

    /// <summary>Whether <paramref name="program"/> is well-formed and ends within <see cref="StepLimit"/> and <see cref="DepthLimit"/>.</summary>
    public bool IsRunnable(string program) => Check(program) is { Ends: true };

    /// <summary>Runs <paramref name="program"/> in the plain interpreter.</summary>
    public abstract Behaviour RunPlain(string program);

    /// <summary>
    /// Runs <paramref name="program"/> through <paramref name="jit"/>. <paramref name="green"/> is the program
    /// object the green keys of its compiled units hold: given (not null), the run uses it again, so that the
    /// units compiled for it in an earlier run are entered at once; otherwise it is set to the new one.
    /// </summary>
    public abstract Behaviour RunJitted(PortalJit jit, string program, ref object? green);

    /// <summary>
    /// Runs <paramref name="program"/> through <paramref name="weaved"/>, the interpreter as <c>pejit build</c>
    /// JIT-enables it; <paramref name="green"/> is the program object the green keys of its compiled units hold.
    /// </summary>
    public abstract Behaviour RunWeaved(WeavedInterpreter weaved, string program, out object green);

    /// <summary>The language's operations that <paramref name="program"/> contains.</summary>
    public abstract IEnumerable<string> OperationsIn(string program);

    /// <summary>The operation at the position <paramref name="key"/> names, or null when there is none.</summary>
    public abstract string? OperationAt(GreenKey key);

    /// <summary>
    /// The operations a unit holding the green key <paramref name="key"/> compiled: the one at the key for a
    /// bytecode (<see cref="OperationAt"/>); a tree-walker's key is a loop node, and the unit unfolds every
    /// node under it, so it names them all.
    /// </summary>
    public virtual IEnumerable<string> OperationsAt(GreenKey key) => OperationAt(key) is { } operation ? [operation] : [];

    /// <summary>
    /// Whether a unit entered at <paramref name="entry"/> was compiled for the program whose green object (as
    /// <see cref="RunJitted"/> and <see cref="RunWeaved"/> give it) is <paramref name="green"/>: by default, when
    /// the key holds that object (a bytecode's code object); a tree-walker's keys hold one of its loop nodes.
    /// </summary>
    public virtual bool Owns(object green, GreenKey entry) => entry.Values.Any(v => ReferenceEquals(v, green));

    /// <summary>
    /// Element <paramref name="index"/> of the array in the field <paramref name="field"/> of <paramref name="program"/>,
    /// or null when there is none. By name: a weaved interpreter's program object is of its own type.
    /// </summary>
    protected static object? Element(object program, string field, int index) =>
        program.GetType().GetField(field)?.GetValue(program) is Array array && index >= 0 && index < array.Length ? array.GetValue(index) : null;

    /// <summary>The pieces the shrinker removes: lines, or commands.</summary>
    public abstract IReadOnlyList<string> Split(string program);

    /// <summary>The program made of <paramref name="pieces"/>.</summary>
    public abstract string Join(IEnumerable<string> pieces);

    /// <summary>Programs like <paramref name="program"/> but simpler in one place (a smaller constant), for the shrinker's last pass.</summary>
    public virtual IEnumerable<string> Simplifications(string program) => [];

    /// <summary><paramref name="text"/> as comment lines of the language, so that it never changes what a program does.</summary>
    public abstract string Comment(string text);
}
