using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace PeJit.Benchmarks.Analysis;

/// <summary>
/// Writes and compiles (with Roslyn, PDB included) an interpreter of a chosen size, in the shapes the analysis
/// scaling is measured on: a dispatch loop with one opcode per helper pair (<see cref="Source"/>), one large
/// inline switch (<see cref="SwitchSource"/>), a chain of helpers (<see cref="ChainSource"/>). All share one
/// portal head, so they differ only in what the loop does.
/// </summary>
public static class GeneratedInterpreter
{
    /// <summary>The C# source of an interpreter with <paramref name="opcodes"/> opcodes, each handled by two helpers.</summary>
    public static string Source(int opcodes)
    {
        var text = BeginPortal();
        text.AppendLine("            int op = code.Ops[pc];");
        AppendDispatch(text, "op", opcodes, i => $"pc = Op{i}(code, pc, frame); break;");
        for (int i = 1; i <= opcodes; i++)
        {
            text.AppendLine($"    static int Op{i}(Code code, int pc, Frame frame) {{ long operand = Operand{i}(code, pc); frame.Stack[{i % 16}] += operand * {i}; return pc + 2; }}");
            text.AppendLine($"    static long Operand{i}(Code code, int pc) {{ int raw = code.Ops[pc + 1]; return raw < 0 ? -raw : raw + {i}; }}");
        }
        text.AppendLine("}");
        return text.ToString();
    }

    /// <summary>
    /// The C# source of an interpreter whose dispatch switch has <paramref name="cases"/> cases, each handled
    /// inline: one portal and no helpers, so the cost of converting and analyzing one large switch shows alone.
    /// </summary>
    public static string SwitchSource(int cases)
    {
        var text = BeginPortal();
        AppendDispatch(text, "code.Ops[pc]", cases, i => $"frame.Stack[{i % 16}] += code.Ops[pc + 1] * {i}; pc += 2; break;");
        text.AppendLine("}");
        return text.ToString();
    }

    /// <summary>
    /// The C# source of an interpreter whose loop body calls a chain of <paramref name="helpers"/> helpers, each
    /// on the previous one's result, the first returning a red value: each return that turns red gives the next
    /// call a new signature only once the portal is analyzed again, so the portal is re-analyzed once per
    /// helper (the worst case for re-analysis).
    /// </summary>
    public static string ChainSource(int helpers)
    {
        var text = BeginPortal("    public static long Counter;");
        text.AppendLine("            long x0 = Link0(code, pc);");
        for (int i = 1; i < helpers; i++) text.AppendLine($"            long x{i} = Link{i}(x{i - 1});");
        text.AppendLine($$"""
                        frame.Stack[0] = x{{helpers - 1}};
                        if (code.Ops[pc] == 0) return frame.Stack[0];
                        pc++;
                    }
                }
                static long Link0(Code code, int pc) => code.Ops[pc] + Counter;
            """);
        for (int i = 1; i < helpers; i++) text.AppendLine($"    static long Link{i}(long x) => x + {i};");
        text.AppendLine("}");
        return text.ToString();
    }

    /// <summary>
    /// What every generated interpreter starts with: the code and frame types, the interpreter class with
    /// <paramref name="members"/> (whole lines, then a blank one), and its portal up to the merge point at the
    /// head of the loop. The caller writes the loop body (indented 12 spaces) and closes the loop, the portal
    /// and the class.
    /// </summary>
    private static StringBuilder BeginPortal(string? members = null)
    {
        var text = new StringBuilder();
        text.AppendLine("""
            namespace Generated;
            public sealed class Code(int[] ops) { public readonly int[] Ops = ops; }
            public sealed class Frame { public long[] Stack = new long[16]; }
            public static class Interpreter
            {
            """);
        if (members is not null) text.AppendLine(members).AppendLine();
        text.AppendLine("""
                [PeJit.JitPortal(Greens = new[] { "pc", "code" }, Reds = new[] { "frame" })]
                public static long Run(Code code, Frame frame)
                {
                    int pc = 0;
                    while (true)
                    {
                        PeJit.Jit.MergePoint(pc, code, frame);
            """);
        return text;
    }

    /// <summary>
    /// The dispatch switch on <paramref name="selector"/> that ends the loop body: opcode 0 returns, opcodes 1 to
    /// <paramref name="cases"/> run <paramref name="handler"/> of their number, any other steps over itself;
    /// then closes the loop and the portal (not the class).
    /// </summary>
    private static void AppendDispatch(StringBuilder text, string selector, int cases, Func<int, string> handler)
    {
        text.AppendLine($$"""
                        switch ({{selector}})
                        {
                            case 0: return frame.Stack[0];
            """);
        for (int i = 1; i <= cases; i++) text.AppendLine($"                case {i}: {handler(i)}");
        text.AppendLine("""
                            default: pc++; break;
                        }
                    }
                }
            """);
    }

    // By name: this project shadows PeJit.Jit with its hint-free copy (Hints/NoHints.cs).
    private static string HintsAssembly => System.Reflection.Assembly.Load("PeJit.Hints").Location;

    /// <summary>Compiles <see cref="Source"/> into <paramref name="directory"/> and returns the DLL's path (its PDB beside it).</summary>
    public static string Compile(int opcodes, string directory) => Compile(Source(opcodes), directory);

    /// <summary>Compiles an interpreter's C# source into <paramref name="directory"/> and returns the DLL's path (its PDB beside it).</summary>
    public static string Compile(string source, string directory)
    {
        Directory.CreateDirectory(directory);
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: Path.Combine(directory, "Generated.cs"), encoding: Encoding.UTF8);
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(HintsAssembly)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Generated", [tree], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        string dll = Path.Combine(directory, "Generated.dll");
        using (var assembly = File.Create(dll))
        using (var pdb = File.Create(Path.ChangeExtension(dll, ".pdb")))
        {
            var emitted = compilation.Emit(assembly, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
            if (!emitted.Success)
                throw new InvalidOperationException("the generated interpreter does not compile:\n" + string.Join("\n", emitted.Diagnostics));
        }
        File.Copy(HintsAssembly, Path.Combine(directory, "PeJit.Hints.dll"), overwrite: true);
        return dll;
    }
}
