using System.Globalization;
using System.IO.Compression;
using System.Text;
using PeJit.IR;
using PeJit.IR.Text;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The stored form of an <see cref="ExtensionProgram"/>: what <c>pejit build</c> writes into the JIT-enabled
/// assembly (a managed resource per portal, gzip-compressed text: <see cref="Compress"/>) and the run time reads
/// back when the portal is first prepared, without Cecil or the analysis. Text, so that it can be dumped,
/// diffed and written by hand for file tests; it reads back into a real program (unlinked: the caller links it,
/// <see cref="ExtensionLinker"/>) that prints as the original did.
/// </summary>
/// <remarks>
/// The form, line by line:
/// <code>
/// pejit-extension 1
/// portal NAME FULLNAME mergepoint=BLOCK.INDEX variables=V,V,... greens=N implicit=V,...
/// graph "NAME"                                   one per graph, the portal's first; then its ops, block by block:
/// block N
///   KIND [field=value ...]                       one per instruction, in order (ExtensionOpFields)
/// members                                        the member table (MemberTable)
/// type "..." "..."
/// functions                                      the graphs' flow graphs, in the IR's text form, each value
/// function "..." -> TYPE { ... }                 annotated green or red (IrPrinter, IrParser.ParseAllAnnotated)
/// </code>
/// What the analysis decided is stored (binding times in the functions, each op's kind and the fields of
/// <see cref="ExtensionOpFields"/>, the portal's shape); what follows from it is laid out again
/// (<see cref="ExtensionLayout"/>) and what needs reflection is linked again (<see cref="ExtensionLinker"/>).
/// </remarks>
public static class ExtensionSerializer
{
    private const string Magic = "pejit-extension 1";

    /// <summary>The stored form of <paramref name="program"/> with the member table <paramref name="members"/>.</summary>
    public static string Write(ExtensionProgram program, MemberTable members)
    {
        var text = new StringBuilder().Append(Magic).Append('\n');
        var shape = program.Shape;
        var portal = program.Portal.Graph;
        int mergeIndex = portal[shape.MergeBlock].Instructions.IndexOf(shape.MergePoint);
        text.Append("portal ").Append(ExtensionTokens.Quote(shape.Name)).Append(' ').Append(ExtensionTokens.Quote(shape.FullName))
            .Append(" mergepoint=").Append(shape.MergeBlock.Index).Append('.').Append(mergeIndex)
            .Append(" variables=").Append(string.Join(",", shape.MergeVariables.Select(v => v.Index)))
            .Append(" greens=").Append(shape.GreenCount)
            .Append(" implicit=").Append(string.Join(",", shape.ImplicitReds.Select(v => v.Index))).Append('\n');
        var context = new ExtensionFieldContext(program.Graphs);
        foreach (var graph in program.Graphs)
        {
            text.Append("graph ").Append(ExtensionTokens.Quote(graph.Name)).Append('\n');
            for (int b = 0; b < graph.Blocks.Length; b++)
            {
                text.Append("block ").Append(b).Append('\n');
                foreach (var op in graph.Blocks[b])
                {
                    text.Append("  ").Append(op.Kind);
                    foreach (var field in ExtensionOpFields.All)
                        if (field.Write(op, context) is { } value) text.Append(' ').Append(field.Name).Append('=').Append(value);
                    text.Append('\n');
                }
            }
        }
        text.Append("members\n");
        members.Write(text);
        text.Append("functions\n");
        foreach (var graph in program.Graphs)
            text.Append(IrPrinter.Print(graph.Graph, v => graph.RedValues[v.Index] ? "red" : "green"));
        return text.ToString();
    }

    /// <summary>Reads a stored program back, unlinked, with its member table.</summary>
    /// <exception cref="FormatException">The text is not in the form; the message gives the line and what was expected.</exception>
    public static (ExtensionProgram Program, MemberTable Members) Read(string text)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines[0] != Magic) throw ExtensionTokens.Error(1, $"expected '{Magic}'");
        int functionsLine = Array.IndexOf(lines, "functions");
        if (functionsLine < 0) throw ExtensionTokens.Error(lines.Length, "expected a 'functions' line before the flow graphs");
        IReadOnlyList<AnnotatedFunction> functions;
        try
        {
            functions = IrParser.ParseAllAnnotated(string.Join("\n", lines.Skip(functionsLine + 1)));
        }
        catch (IrParseException e)
        {
            throw ExtensionTokens.Error(functionsLine + 1, $"the flow graphs after it do not parse: {e.Message}");
        }

        // Graph names first: an op may call a graph stored after it.
        var names = lines.Take(functionsLine).Where(l => l.StartsWith("graph ", StringComparison.Ordinal)).ToList();
        if (names.Count != functions.Count) throw ExtensionTokens.Error(functionsLine + 1, $"{names.Count} graphs but {functions.Count} functions");
        var graphs = new List<ExtensionGraph>();
        for (int g = 0; g < names.Count; g++)
        {
            var function = functions[g];
            graphs.Add(ExtensionLayout.Graph(function.Graph, ExtensionTokens.Unquote(names[g]["graph ".Length..], 0),
                v => function.BindingTimes.GetValueOrDefault(v) == "red"));
        }

        var context = new ExtensionFieldContext(graphs);
        var members = new MemberTable();
        string? portalLine = null;
        int portalLineNumber = 0, graphIndex = -1, blockIndex = -1;
        var ops = new List<ExtensionOp>();
        void EndBlock()
        {
            if (blockIndex < 0) return;
            var graph = graphs[graphIndex];
            if (ops.Count != graph.Graph[new Block(blockIndex)].Instructions.Count)
                throw ExtensionTokens.Error(context.Line, $"{graph.Name} block{blockIndex} has {graph.Graph[new Block(blockIndex)].Instructions.Count} instructions but {ops.Count} ops");
            graph.Blocks[blockIndex] = [.. ops];
            ops.Clear();
            blockIndex = -1;
        }
        bool inMembers = false;
        for (int n = 1; n < functionsLine; n++)
        {
            string line = lines[n];
            context.Line = n + 1;
            if (line.Length == 0) continue;
            if (inMembers)
            {
                if (!members.Read(line, n + 1)) throw ExtensionTokens.Error(n + 1, "expected a member ('type', 'field' or 'method')");
                continue;
            }
            if (line.StartsWith("  ", StringComparison.Ordinal))
            {
                if (blockIndex < 0) throw ExtensionTokens.Error(n + 1, "an op outside a block");
                var graph = graphs[graphIndex];
                var instructions = graph.Graph[new Block(blockIndex)].Instructions;
                if (ops.Count >= instructions.Count) throw ExtensionTokens.Error(n + 1, $"more ops than {graph.Name} block{blockIndex} has instructions");
                ops.Add(ReadOp(graph, instructions[ops.Count], line, context));
            }
            else if (line.StartsWith("block ", StringComparison.Ordinal))
            {
                EndBlock();
                if (graphIndex < 0) throw ExtensionTokens.Error(n + 1, "a block outside a graph");
                blockIndex = Number(line["block ".Length..], n + 1);
                if (blockIndex >= graphs[graphIndex].Blocks.Length) throw ExtensionTokens.Error(n + 1, $"{graphs[graphIndex].Name} has no block{blockIndex}");
            }
            else if (line.StartsWith("graph ", StringComparison.Ordinal))
            {
                EndBlock();
                graphIndex++;
            }
            else if (line.StartsWith("portal ", StringComparison.Ordinal))
            {
                portalLine = line;
                portalLineNumber = n + 1;
            }
            else if (line == "members")
            {
                EndBlock();
                inMembers = true;
            }
            else throw ExtensionTokens.Error(n + 1, "expected 'portal', 'graph', 'block', an op (indented), or 'members'");
        }
        EndBlock();
        foreach (var graph in graphs)
            for (int b = 0; b < graph.Blocks.Length; b++)
                if (graph.Blocks[b] is null) throw ExtensionTokens.Error(functionsLine, $"{graph.Name} block{b} has no ops");
        if (portalLine is null) throw ExtensionTokens.Error(2, "expected the 'portal' line");
        var shape = ReadShape(graphs[0], portalLine, portalLineNumber);
        return (new ExtensionProgram(graphs[0], shape, graphs, 0, clock.Elapsed), members);
    }

    private static ExtensionOp ReadOp(ExtensionGraph graph, Instruction instruction, string line, ExtensionFieldContext context)
    {
        var words = ExtensionTokens.Split(line, context.Line);
        var op = ExtensionLayout.Op(graph, instruction);
        if (!Enum.TryParse(typeof(ExtensionOpKind), words[0], out var parsed) || parsed is not ExtensionOpKind kind) throw ExtensionTokens.Error(context.Line, $"'{words[0]}' is not an op kind");
        op.Kind = kind;
        foreach (string word in words.Skip(1))
        {
            int equals = word.IndexOf('=');
            if (equals < 0 || !ExtensionOpFields.ByName.TryGetValue(word[..equals], out var field))
                throw ExtensionTokens.Error(context.Line, $"'{word}' is not a field (name=value with a name of ExtensionOpFields)");
            field.Read(op, word[(equals + 1)..], context);
        }
        ExtensionLayout.Finish(graph, op);
        return op;
    }

    private static PortalShape ReadShape(ExtensionGraph portal, string line, int lineNumber)
    {
        var words = ExtensionTokens.Split(line, lineNumber);
        if (words.Count < 3) throw ExtensionTokens.Error(lineNumber, "expected 'portal NAME FULLNAME fields...'");
        var fields = words.Skip(3).Select(w => w.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
        string Field(string name) => fields.TryGetValue(name, out var value) ? value : throw ExtensionTokens.Error(lineNumber, $"the portal line lacks {name}=");
        List<Value> Values(string text)
        {
            var values = new List<Value>();
            if (text.Length > 0)
                foreach (string number in text.Split(','))
                    values.Add(new Value(Number(number, lineNumber)));
            return values;
        }
        var at = Field("mergepoint").Split('.');
        var block = new Block(Number(at[0], lineNumber));
        if (block.Index >= portal.Blocks.Length || Number(at[1], lineNumber) >= portal.Graph[block].Instructions.Count)
            throw ExtensionTokens.Error(lineNumber, $"mergepoint={Field("mergepoint")} is not an instruction of {portal.Name}");
        return new PortalShape(ExtensionTokens.Unquote(words[1], lineNumber), ExtensionTokens.Unquote(words[2], lineNumber),
            portal.Graph[block].Instructions[Number(at[1], lineNumber)], block, Values(Field("variables")),
            Number(Field("greens"), lineNumber), Values(Field("implicit")));
    }

    private static int Number(string text, int line) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : throw ExtensionTokens.Error(line, $"expected a number, not '{text}'");

    /// <summary>The stored form as the resource holds it: UTF-8, gzip-compressed.</summary>
    public static byte[] Compress(string text)
    {
        var output = new MemoryStream();
        using (var zip = new GZipStream(output, CompressionLevel.SmallestSize))
            zip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    /// <summary>The text of a resource <see cref="Compress"/> wrote.</summary>
    public static string Decompress(Stream resource)
    {
        using var zip = new GZipStream(resource, CompressionMode.Decompress);
        using var reader = new StreamReader(zip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The name of the resource holding the stored program of the portal with key <paramref name="portalKey"/> (<see cref="MemberSignature.PortalKey"/>).</summary>
    public static string ResourceName(string portalKey) => "PeJit.Extension " + portalKey;
}
