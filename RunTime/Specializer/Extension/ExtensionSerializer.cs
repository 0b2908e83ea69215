using System.Globalization;
using System.IO.Compression;
using System.Text;
using PeJit.IR;
using PeJit.IR.Text;

namespace PeJit.Specializer.Extension;

/// <summary>
/// The text form of an <see cref="ExtensionProgram"/>, and the entry to both stored forms: <c>pejit build</c> writes
/// the compact binary form (<see cref="ExtensionBinary"/>, through <see cref="Store"/>) into the JIT-enabled assembly, a
/// managed resource per portal, and the run time reads it back when the portal is first prepared
/// (<see cref="ReadStored"/>), without Cecil or the analysis. The text form holds the same and is what it can be dumped
/// as, diffed and written by hand for file tests; assemblies an earlier <c>pejit build</c> wrote hold it, and still
/// read. Either reads back into a real program (unlinked: the caller links it, <see cref="ExtensionLinker"/>) that
/// prints as the original did.
/// </summary>
/// <remarks>
/// The form, line by line:
/// <code>
/// pejit-extension 1
/// portal NAME FULLNAME mergepoint=BLOCK.INDEX variables=V,V,... greens=N implicit=V,...
/// virtualizable "CLASS" [sealed] bases(...) fields(...) arrays(...)      (one per [Virtualizable] class, none for none)
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
        foreach (var frame in shape.Virtualizables) text.Append("virtualizable ").Append(frame.Print()).Append('\n');
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

    /// <summary>Reads a stored program back, unlinked, with its member table, every graph loaded (so a malformed one is reported here).</summary>
    /// <exception cref="FormatException">The text is not in the form; the message gives the line and what was expected.</exception>
    public static (ExtensionProgram Program, MemberTable Members) Read(string text)
    {
        var (program, members) = ReadLazily(text);
        foreach (var graph in program.Graphs) _ = graph.Blocks;
        return (program, members);
    }

    /// <summary>
    /// Reads a stored program back, unlinked, with its member table, loading only the portal's graph: every other
    /// graph is read from the text when something first asks for its contents (<see cref="ExtensionGraph.IsLoaded"/>),
    /// so preparing a portal costs its own graph, and a run pays for the helpers its programs reach. What this
    /// reads now (the outline: graph names, sections, the member table, the portal line) is checked now; a
    /// malformed graph throws its <see cref="FormatException"/> when it is loaded.
    /// </summary>
    /// <exception cref="FormatException">The outline or the portal's graph is not in the form.</exception>
    public static (ExtensionProgram Program, MemberTable Members) ReadLazily(string text)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines[0] != Magic) throw ExtensionTokens.Error(1, $"expected '{Magic}'");
        int functionsLine = Array.IndexOf(lines, "functions");
        if (functionsLine < 0) throw ExtensionTokens.Error(lines.Length, "expected a 'functions' line before the flow graphs");
        var functionStarts = new List<int>();
        for (int n = functionsLine + 1; n < lines.Length; n++)
            if (lines[n].StartsWith("function ", StringComparison.Ordinal)) functionStarts.Add(n);

        // The outline: where each graph's ops are, the member table, the portal line.
        var graphStarts = new List<int>();
        var members = new MemberTable();
        string? portalLine = null;
        var virtualizables = new List<VirtualizableFrame>();
        int portalLineNumber = 0, membersLine = -1;
        bool inBlock = false;
        for (int n = 1; n < functionsLine; n++)
        {
            string line = lines[n];
            if (line.Length == 0) continue;
            if (membersLine >= 0)
            {
                if (!members.Read(line, n + 1)) throw ExtensionTokens.Error(n + 1, "expected a member ('type', 'field' or 'method')");
            }
            else if (line.StartsWith("  ", StringComparison.Ordinal))
            {
                if (!inBlock) throw ExtensionTokens.Error(n + 1, "an op outside a block");
            }
            else if (line.StartsWith("block ", StringComparison.Ordinal))
            {
                if (graphStarts.Count == 0) throw ExtensionTokens.Error(n + 1, "a block outside a graph");
                inBlock = true;
            }
            else if (line.StartsWith("graph ", StringComparison.Ordinal))
            {
                graphStarts.Add(n);
                inBlock = false;
            }
            else if (line.StartsWith("portal ", StringComparison.Ordinal))
            {
                portalLine = line;
                portalLineNumber = n + 1;
            }
            else if (line.StartsWith("virtualizable ", StringComparison.Ordinal))
            {
                try
                {
                    virtualizables.Add(IrParser.ParseVirtualizable(line["virtualizable ".Length..], n + 1));
                }
                catch (IrParseException e)
                {
                    throw ExtensionTokens.Error(n + 1, $"the virtualizable line does not parse: {e.Message}");
                }
            }
            else if (line == "members") membersLine = n;
            else throw ExtensionTokens.Error(n + 1, "expected 'portal', 'virtualizable', 'graph', 'block', an op (indented), or 'members'");
        }
        if (graphStarts.Count != functionStarts.Count) throw ExtensionTokens.Error(functionsLine + 1, $"{graphStarts.Count} graphs but {functionStarts.Count} functions");
        if (graphStarts.Count == 0) throw ExtensionTokens.Error(functionsLine + 1, "expected at least the portal's graph");
        if (portalLine is null) throw ExtensionTokens.Error(2, "expected the 'portal' line");

        var graphs = new ExtensionGraph[graphStarts.Count];
        ExtensionProgram? program = null;
        for (int g = 0; g < graphs.Length; g++)
        {
            int first = graphStarts[g] + 1, end = g + 1 < graphs.Length ? graphStarts[g + 1] : membersLine >= 0 ? membersLine : functionsLine;
            int function = functionStarts[g];
            graphs[g] = new ExtensionGraph(ExtensionTokens.Unquote(lines[graphStarts[g]]["graph ".Length..], graphStarts[g] + 1), graph =>
            {
                var loading = System.Diagnostics.Stopwatch.StartNew();
                LoadGraph(graph, lines, first, end, function, graphs);
                program?.AddLoadTime(loading.Elapsed);
            });
        }
        _ = graphs[0].Blocks; // the portal's graph is needed at once; a malformed one is reported before its shape
        var shape = ReadShape(graphs[0], portalLine, portalLineNumber) with { Virtualizables = virtualizables };
        program = new ExtensionProgram(graphs[0], shape, graphs, 0, clock.Elapsed);
        return (program, members);
    }

    /// <summary>Loads one graph: its flow graph from the function at <paramref name="functionLine"/>, its ops from lines [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private static void LoadGraph(ExtensionGraph graph, string[] lines, int first, int end, int functionLine, IReadOnlyList<ExtensionGraph> graphs)
    {
        AnnotatedFunction function;
        try
        {
            function = IrParser.ParseAnnotatedAt(lines, functionLine);
        }
        catch (IrParseException e)
        {
            throw ExtensionTokens.Error(functionLine + 1, $"the flow graph of {graph.Name} does not parse: {e.Message}");
        }
        ExtensionLayout.Load(graph, function.Graph, v => function.TimeOf(v) == "red");

        var context = new ExtensionFieldContext(graphs);
        int blockIndex = -1;
        var ops = new List<ExtensionOp>();
        void EndBlock()
        {
            if (blockIndex < 0) return;
            if (ops.Count != graph.Graph[new Block(blockIndex)].Instructions.Count)
                throw ExtensionTokens.Error(context.Line, $"{graph.Name} block{blockIndex} has {graph.Graph[new Block(blockIndex)].Instructions.Count} instructions but {ops.Count} ops");
            graph.Blocks[blockIndex] = [.. ops];
            ops.Clear();
            blockIndex = -1;
        }
        for (int n = first; n < end; n++)
        {
            string line = lines[n];
            context.Line = n + 1;
            if (line.Length == 0) continue;
            if (line.StartsWith("  ", StringComparison.Ordinal))
            {
                var instructions = graph.Graph[new Block(blockIndex)].Instructions;
                if (ops.Count >= instructions.Count) throw ExtensionTokens.Error(n + 1, $"more ops than {graph.Name} block{blockIndex} has instructions");
                ops.Add(ReadOp(graph, instructions[ops.Count], line, context));
            }
            else
            {
                EndBlock();
                blockIndex = Number(line["block ".Length..], n + 1);
                if (blockIndex >= graph.Blocks.Length) throw ExtensionTokens.Error(n + 1, $"{graph.Name} has no block{blockIndex}");
            }
        }
        EndBlock();
        for (int b = 0; b < graph.Blocks.Length; b++)
            if (graph.Blocks[b] is null) throw ExtensionTokens.Error(first, $"{graph.Name} block{b} has no ops");
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

    /// <summary>The text form as a resource held it before the compact binary form: UTF-8, compressed by <see cref="ExtensionCompression"/>.</summary>
    public static byte[] Compress(string text) => ExtensionCompression.Compress(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// What <c>pejit build</c> stores for <paramref name="program"/>: the compact binary form (<see cref="ExtensionBinary"/>),
    /// compressed by <see cref="ExtensionCompression"/>.
    /// </summary>
    public static byte[] Store(ExtensionProgram program, MemberTable members) => ExtensionCompression.Compress(ExtensionBinary.Write(program, members));

    /// <summary>
    /// Reads the program a resource holds, unlinked, with its member table: the compact binary form <see cref="Store"/>
    /// writes, or the text form an earlier <c>pejit build</c> stored (compressed by <see cref="ExtensionCompression"/>
    /// or by gzip), which still reads. Only the portal's graph is loaded unless <paramref name="lazily"/> is false.
    /// </summary>
    /// <exception cref="FormatException">The resource is in neither form; the message says to build the assembly again.</exception>
    public static (ExtensionProgram Program, MemberTable Members) ReadStored(Stream resource, bool lazily = true)
    {
        // A manifest resource is a view of the loaded image: decompressed from there rather than copied into a fresh array
        // first (Lua's: 45 KB, some 11 page faults of fresh memory in a fresh process; the image's own pages are cheaper).
        byte[]? data = resource is UnmanagedMemoryStream ? null : ReadAll(resource);
        ReadOnlySpan<byte> compressed = data is null ? Mapped((UnmanagedMemoryStream)resource) : data;
        if (ExtensionCompression.IsCompressed(compressed))
        {
            var stored = ExtensionCompression.Decompress(compressed);
            if (ExtensionBinary.IsBinary(stored)) return lazily ? ExtensionBinary.ReadLazily(stored) : ExtensionBinary.Read(stored);
            string text = Encoding.UTF8.GetString(stored);
            return lazily ? ReadLazily(text) : Read(text);
        }
        string gzipped = DecompressGzip(data ?? compressed.ToArray());
        return lazily ? ReadLazily(gzipped) : Read(gzipped);
    }

    // The rest of an image's resource, where it is mapped; valid while the assembly is loaded (an assembly is never unloaded
    // while its portal is prepared: the caller holds the stream).
    private static unsafe ReadOnlySpan<byte> Mapped(UnmanagedMemoryStream image) =>
        new(image.PositionPointer, checked((int)(image.Length - image.Position)));

    /// <summary>
    /// The text of a resource <see cref="Compress"/> wrote, or, from an assembly an earlier pejit built, a gzip-compressed
    /// one (<see cref="DecompressGzip"/>). A resource in the compact binary form (<see cref="Store"/>) has no text: read it
    /// with <see cref="ReadStored"/>.
    /// </summary>
    public static string Decompress(Stream resource)
    {
        var data = ReadAll(resource);
        return ExtensionCompression.IsCompressed(data)
            ? Encoding.UTF8.GetString(ExtensionCompression.Decompress(data))
            : DecompressGzip(data);
    }

    private static byte[] ReadAll(Stream resource)
    {
        if (resource.CanSeek)
        {
            var data = new byte[resource.Length - resource.Position];
            resource.ReadExactly(data);
            return data;
        }
        var copy = new MemoryStream();
        resource.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// The gzip-compressed text earlier versions of pejit stored. A method of its own, so that System.IO.Compression and
    /// its native library are loaded only for such an assembly (they cost a fresh process several milliseconds).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string DecompressGzip(byte[] data)
    {
        using var zip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(zip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The name of the resource holding the stored program of the portal with key <paramref name="portalKey"/> (<see cref="MemberSignature.PortalKey"/>).</summary>
    public static string ResourceName(string portalKey) => "PeJit.Extension " + portalKey;
}
