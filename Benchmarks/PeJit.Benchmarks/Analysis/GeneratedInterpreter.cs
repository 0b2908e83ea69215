using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace PeJit.Benchmarks.Analysis;

/// <summary>
/// Writes and compiles (with Roslyn, PDB included) an interpreter whose portal reaches a chosen number of
/// helper methods: one opcode per helper pair, so the analysis has that much code to look at.
/// </summary>
public static class GeneratedInterpreter
{
    /// <summary>The C# source of an interpreter with <paramref name="opcodes"/> opcodes, each handled by two helpers.</summary>
    public static string Source(int opcodes)
    {
        var text = new StringBuilder();
        text.AppendLine("""
            namespace Generated;
            public sealed class Code(int[] ops) { public readonly int[] Ops = ops; }
            public sealed class Frame { public long[] Stack = new long[16]; }
            public static class Interpreter
            {
                [PeJit.JitPortal(Greens = new[] { "pc", "code" }, Reds = new[] { "frame" })]
                public static long Run(Code code, Frame frame)
                {
                    int pc = 0;
                    while (true)
                    {
                        PeJit.Jit.MergePoint(pc, code, frame);
                        int op = code.Ops[pc];
                        switch (op)
                        {
                            case 0: return frame.Stack[0];
            """);
        for (int i = 1; i <= opcodes; i++) text.AppendLine($"                case {i}: pc = Op{i}(code, pc, frame); break;");
        text.AppendLine("""
                            default: pc++; break;
                        }
                    }
                }
            """);
        for (int i = 1; i <= opcodes; i++)
        {
            text.AppendLine($"    static int Op{i}(Code code, int pc, Frame frame) {{ long operand = Operand{i}(code, pc); frame.Stack[{i % 16}] += operand * {i}; return pc + 2; }}");
            text.AppendLine($"    static long Operand{i}(Code code, int pc) {{ int raw = code.Ops[pc + 1]; return raw < 0 ? -raw : raw + {i}; }}");
        }
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
        var text = new StringBuilder();
        text.AppendLine("""
            namespace Generated;
            public sealed class Code(int[] ops) { public readonly int[] Ops = ops; }
            public sealed class Frame { public long[] Stack = new long[16]; }
            public static class Interpreter
            {
                public static long Counter;

                [PeJit.JitPortal(Greens = new[] { "pc", "code" }, Reds = new[] { "frame" })]
                public static long Run(Code code, Frame frame)
                {
                    int pc = 0;
                    while (true)
                    {
                        PeJit.Jit.MergePoint(pc, code, frame);
                        long x0 = Link0(code, pc);
            """);
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
