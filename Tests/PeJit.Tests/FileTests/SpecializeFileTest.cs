using System.Globalization;
using System.Reflection;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Specializer.Engine;
using PeJit.Specializer.Extension;
using PeJit.Tests.Analysis;

namespace PeJit.Tests.FileTests;

/// <summary>
/// <c>; test specialize TYPE::METHOD at GREEN, ...</c>: the stored extension program that follows the header
/// (<see cref="ExtensionSerializer"/>'s text, as <c>pejit build</c> writes it into the assembly) is read back,
/// linked by name and specialized at the green key; the residual graph must be what follows <c>; residual:</c>.
/// The program is the input: the test never re-analyzes <c>TYPE::METHOD</c>, except under <c>PEJIT_BLESS=1</c>
/// when the file holds no program yet (then the analysis's program is written in). Green values are integers
/// or <c>new TYPE(ARG, ...)</c> with integer and <c>[N, ...]</c> (int array) arguments.
/// </summary>
internal static class SpecializeFileTest
{
    private const string ResidualMarker = "; residual:";

    public static void Run(string file, string header, string text, MethodInfo portal, string key)
    {
        int marker = text.IndexOf("\n" + ResidualMarker, StringComparison.Ordinal);
        string stored = (marker < 0 ? text : text[..marker])[(header.Length + 1)..].TrimEnd('\n') + "\n";
        if (!stored.StartsWith("pejit-extension", StringComparison.Ordinal))
        {
            Assert.IsTrue(Golden.Bless, $"{file}: no stored program after the header; run with PEJIT_BLESS=1 to write the analysis's program in");
            var analyzed = AnalyzedPortal.Of(portal.DeclaringType!, portal.Name);
            var compiled = PeJit.Generator.ExtensionCompiler.CompileUnlinked(analyzed.Portal);
            stored = ExtensionSerializer.Write(compiled, PeJit.Generator.MemberTableBuilder.For(compiled));
        }
        var (program, members) = ExtensionSerializer.Read(stored);
        var resolver = new MemberTableResolver(members, portal.Module.Assembly);
        ExtensionLinker.Link(program, resolver);
        var greens = Greens(key, portal.Module.Assembly);
        Assert.HasCount(program.Shape.GreenCount, greens, $"{file}: the portal has {program.Shape.GreenCount} greens");
        var unit = new UnitSpecializer(program, resolver).Specialize(new GreenKey([.. greens]));
        Assert.IsEmpty(Verifier.Verify(unit.Residual), string.Join("\n", Verifier.Verify(unit.Residual)));
        Golden.Check(Path.Combine("FileTests", file), header + "\n" + stored + ResidualMarker + "\n" + IrPrinter.Print(unit.Residual));
    }

    private static List<object?> Greens(string text, Assembly home)
    {
        var greens = new List<object?>();
        int i = 0;
        while (i < text.Length)
        {
            greens.Add(Value(text, ref i, home));
            Skip(text, ref i);
            if (i < text.Length) Expect(text, ref i, ',');
        }
        return greens;
    }

    private static object? Value(string text, ref int i, Assembly home)
    {
        Skip(text, ref i);
        if (text.AsSpan(i).StartsWith("new "))
        {
            i += 4;
            int open = text.IndexOf('(', i);
            string typeName = text[i..open].Trim();
            var type = home.GetType(typeName) ?? throw new AssertFailedException($"no type {typeName} in {home.GetName().Name}");
            i = open + 1;
            var arguments = new List<object?>();
            Skip(text, ref i);
            while (text[i] != ')')
            {
                arguments.Add(Value(text, ref i, home));
                Skip(text, ref i);
                if (text[i] == ',') i++;
                Skip(text, ref i);
            }
            i++;
            return Activator.CreateInstance(type, [.. arguments]);
        }
        if (text[i] == '[')
        {
            i++;
            var items = new List<int>();
            Skip(text, ref i);
            while (text[i] != ']')
            {
                items.Add((int)Value(text, ref i, home)!);
                Skip(text, ref i);
                if (text[i] == ',') i++;
                Skip(text, ref i);
            }
            i++;
            return items.ToArray();
        }
        int start = i;
        while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '-')) i++;
        return int.Parse(text[start..i], CultureInfo.InvariantCulture);
    }

    private static void Skip(string text, ref int i)
    {
        while (i < text.Length && text[i] == ' ') i++;
    }

    private static void Expect(string text, ref int i, char c)
    {
        if (text[i] != c) throw new AssertFailedException($"expected '{c}' at column {i + 1} of the green key '{text}'");
        i++;
    }
}
