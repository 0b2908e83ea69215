using System.Diagnostics;
using System.Text.Json;
using PeJit.Analysis;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Reports;
using PeJit.Frontend.Construction;
using PeJit.IR;

namespace PeJit.Tests.Analysis.Reports;

/// <summary>
/// The reports on both example interpreters: bytecode fetch and dispatch green, stack and tape red; a golden
/// text report per example; JSON with the documented fields; DOT; HTML that renders in headless Chromium.
/// </summary>
[TestClass]
public sealed class ReportTests
{
    public static IEnumerable<object[]> Examples =>
    [
        ["StackVm", typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location],
        ["Brainfuck", typeof(PeJit.Examples.Brainfuck.Interpreter).Assembly.Location],
    ];

    private static AnalysisResult Analyze(string path) => BindingTimeAnalysis.Analyze(AssemblyLoader.Load(path));

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void FetchAndDispatchAreGreenStackAndTapeRed(string name, string path)
    {
        var result = Analyze(path);
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        var portal = result.Portals.Single().Graph!;
        var instructions = portal.Graph.Blocks.SelectMany(b => portal.Graph[b].Instructions).ToList();
        // The bytecode fetch: a load of the code array's element at the green pc.
        var fetches = instructions.Where(i => i.Opcode == Opcode.LoadElement && portal.Graph[i.Operands[0]].DefiningInstruction?.Field?.Name == "Ops").ToList();
        Assert.IsNotEmpty(fetches);
        Assert.IsTrue(fetches.All(f => portal.TimeOf(f) == BindingTime.Green), "every read of the bytecode is green");
        var dispatch = instructions.Where(i => i.Opcode == Opcode.Switch).ToList();
        Assert.IsNotEmpty(dispatch);
        Assert.IsTrue(dispatch.All(s => portal.TimeOf(s.Operands[0]) == BindingTime.Green), "the dispatch switch is decided while specializing");
        // The interpreted program's data: reads of the operand stack or the tape.
        string data = name == "StackVm" ? "Stack" : "tape";
        var reads = instructions.Where(i => i.Opcode == Opcode.LoadElement
            && (portal.Graph[i.Operands[0]].DefiningInstruction?.Field?.Name == data || portal.Graph[i.Operands[0]].Name == data)).ToList();
        Assert.IsNotEmpty(reads);
        Assert.IsTrue(reads.All(r => portal.TimeOf(r) == BindingTime.Red), $"the {data} contents are red");
        Assert.IsFalse(result.Diagnostics.Any(d => d.Code == "PJ1001"), "no warning about a red dispatch");
    }

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void TheTextReportIsGolden(string name, string path) =>
        Golden.Check($"Analysis/Reports/golden/{name}.bta.txt", TextReport.Write(Analyze(path)));

    [TestMethod]
    public void TheReportNamesCallsIntoTheFrameworksCollectionsAndWhatToDo()
    {
        var result = Analyze(typeof(PeJit.AnalysisSubjects.CollectionsVm).Assembly.Location);
        string text = TextReport.Write(result);
        string portal = text[text.IndexOf("Portal PeJit.AnalysisSubjects.CollectionsVm::Run", StringComparison.Ordinal)..];
        int end = portal.IndexOf("\nPortal ", 1, StringComparison.Ordinal);
        if (end > 0) portal = portal[..end];
        // Stack<T>'s Push and Pop are inlined (FrameworkCollections): only the Dictionary's accesses stay calls.
        StringAssert.Contains(portal, "Calls into the framework's collections: Dictionary.set_Item (1x), Dictionary.get_Item (1x).");
        StringAssert.Contains(portal, "Stack`1::Pop[R]");
        StringAssert.Contains(portal, "keep that state in an array and an index of your own");
        StringAssert.Contains(HtmlReport.Write(result), "collections: Dictionary.set_Item (1x), Dictionary.get_Item (1x)");
        // An interpreter that keeps its state in arrays of its own gets no such paragraph.
        Assert.DoesNotContain("framework's collections", TextReport.Write(Analyze(typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location)));
    }

    [TestMethod]
    public void TheRegisterVmReportListsItsStructInstructionsKeptGreen()
    {
        var result = Analyze(typeof(PeJit.Examples.RegisterVm.Interpreter).Assembly.Location);
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        string text = TextReport.Write(result);
        StringAssert.Contains(text, "Struct locals kept green");
        StringAssert.Contains(text, ": 'instr' (");
        Golden.Check("Analysis/Reports/golden/RegisterVm.bta.txt", text);
    }

    [TestMethod]
    public void TheReportExplainsStructsWrittenWithGreensAndStructsWithRedFields()
    {
        var subjects = Analyze(typeof(PeJit.TestSubjects.WithVm).Assembly.Location);
        string text = TextReport.Write(subjects);
        StringAssert.Contains(text, "WithVm::Run[");
        StringAssert.Contains(text, ": 'cursor' (");
        StringAssert.Contains(text, "to write green values");
        var partly = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(typeof(PeJit.AnalysisSubjects.Structs).Assembly.Location),
            m => m.Name == nameof(PeJit.AnalysisSubjects.Structs.StateStructWithRedAccumulator));
        text = TextReport.Write(partly);
        StringAssert.Contains(text, "Struct locals with red fields");
        StringAssert.Contains(text, "'state' (slot0), green: Pc, Sp");
        StringAssert.Contains(text, "red Acc (line ");
        using var json = JsonDocument.Parse(JsonReport.Write(partly));
        var graph = json.RootElement.GetProperty("portals")[0].GetProperty("graphs")[0];
        var state = graph.GetProperty("structLocalsWithRedFields")[0];
        Assert.AreEqual("state", state.GetProperty("name").GetString());
        Assert.AreEqual("Acc", state.GetProperty("redFields")[0].GetProperty("field").GetString());
    }

    [TestMethod]
    public void TheReportOfAStructLocalWithRedFieldsIsGolden()
    {
        var result = BindingTimeAnalysis.Analyze(AssemblyLoader.Load(typeof(PeJit.TestSubjects.FieldVm).Assembly.Location),
            m => m.DeclaringType.Name == nameof(PeJit.TestSubjects.FieldVm) && m.Name == nameof(PeJit.TestSubjects.FieldVm.Run));
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        string text = TextReport.Write(result);
        StringAssert.Contains(text, "'state' (slot0), green: Pc");
        StringAssert.Contains(text, "'instr' (slot2), green: Op, A, B");
        Golden.Check("Analysis/Reports/golden/FieldVm.bta.txt", text);
    }

    [TestMethod]
    public void TheHandlerTableReportListsTheDelegateFamilyAtTheHandlerCall()
    {
        var result = Analyze(typeof(PeJit.Examples.HandlerTable.Interpreter).Assembly.Location);
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        string text = TextReport.Write(result);
        StringAssert.Contains(text, "Calls through delegates");
        StringAssert.Contains(text, "Invoke — inlined: the green delegate's target is resolved while specializing (19 member(s) analyzed");
        StringAssert.Contains(text, "      PeJit.Examples.HandlerTable.Interpreter::Add (line ");
        Golden.Check("Analysis/Reports/golden/HandlerTable.bta.txt", text);
        using var json = JsonDocument.Parse(JsonReport.Write(result));
        var invoke = json.RootElement.GetProperty("portals")[0].GetProperty("graphs")[0].GetProperty("instructions").EnumerateArray()
            .Single(i => i.GetProperty("call").ValueKind == JsonValueKind.Object && i.GetProperty("call").TryGetProperty("family", out _));
        Assert.AreEqual("inlineDelegate", invoke.GetProperty("call").GetProperty("treatment").GetString());
        Assert.AreEqual(19, invoke.GetProperty("call").GetProperty("family").GetProperty("members").GetArrayLength());
    }

    [TestMethod]
    [DynamicData(nameof(Examples))]
    public void TheJsonReportHasTheDocumentedShape(string name, string path)
    {
        using var json = JsonDocument.Parse(JsonReport.Write(Analyze(path)));
        var root = json.RootElement;
        Assert.AreEqual(JsonReport.SchemaVersion, root.GetProperty("schemaVersion").GetInt32());
        StringAssert.StartsWith(root.GetProperty("assembly").GetString()!, name);
        var portal = root.GetProperty("portals")[0];
        Assert.IsGreaterThan(0, portal.GetProperty("greens").GetArrayLength());
        var graph = portal.GetProperty("graphs")[0];
        Assert.IsTrue(graph.GetProperty("isPortal").GetBoolean());
        var red = graph.GetProperty("values").EnumerateArray().First(v => v.GetProperty("time").GetString() == "red");
        Assert.IsFalse(string.IsNullOrEmpty(red.GetProperty("reason").GetProperty("message").GetString()), "every red value has a reason");
        Assert.IsGreaterThan(0, graph.GetProperty("instructions").GetArrayLength());
        Assert.AreEqual(0, root.GetProperty("summary").GetProperty("errors").GetInt32());
    }

    /// <summary>
    /// The JSON report lists each portal's barriers as the text report does (<c>BarrierReasons</c>): the same lines, with
    /// where the call is, the first write found and the advice apart, for tools.
    /// </summary>
    [TestMethod]
    public void TheJsonReportListsTheBarriersTheTextReportDoes()
    {
        var result = Analyze(typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location);
        using var json = JsonDocument.Parse(JsonReport.Write(result));
        var barriers = json.RootElement.GetProperty("portals").EnumerateArray().SelectMany(p => p.GetProperty("barriers").EnumerateArray()).ToList();
        Assert.IsNotEmpty(barriers, "the case under test: StackVm's Print writes through a TextWriter, a barrier");
        string text = TextReport.Write(result);
        foreach (var barrier in barriers)
        {
            StringAssert.Contains(text, barrier.GetProperty("text").GetString()!);
            Assert.IsGreaterThan(0, barrier.GetProperty("callees").GetArrayLength());
            Assert.IsFalse(string.IsNullOrEmpty(barrier.GetProperty("firstWrite").GetProperty("what").GetString()));
            Assert.IsFalse(string.IsNullOrEmpty(barrier.GetProperty("advice").GetString()));
            StringAssert.StartsWith(barrier.GetProperty("graph").GetString()!, "Interpreter::");
        }
    }

    [TestMethod]
    public void EveryFormatListsTheStructLocalsKeptGreen()
    {
        // The register machine reads its record-struct instructions through their getters (Docs/bta.md rule 8):
        // the text, JSON and HTML reports each name the local kept green, with how often its address is read.
        var result = Analyze(typeof(PeJit.Examples.RegisterVm.Interpreter).Assembly.Location);
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        var kept = result.Portals.SelectMany(p => p.Reachable).SelectMany(g => g.Graph.Blocks.SelectMany(b => g.Graph[b].Instructions)
                .Where(i => i.Opcode == Opcode.SlotAddr && g.TimeOf(i.Result!.Value) == BindingTime.Green)
                .GroupBy(i => i.Slot).Select(s => (Graph: g, Slot: s.Key, Count: s.Count()))).ToList();
        Assert.IsNotEmpty(kept, "the interpreter keeps a struct local green");
        var (graph, slot, count) = kept[0];
        string name = graph.Graph[slot].Name ?? slot.ToString();

        StringAssert.Contains(TextReport.Write(result), $"'{name}' ({slot}), its address read {count} time(s)");
        using var json = JsonDocument.Parse(JsonReport.Write(result));
        var locals = json.RootElement.GetProperty("portals").EnumerateArray().SelectMany(p => p.GetProperty("graphs").EnumerateArray())
            .Where(g => g.TryGetProperty("greenStructLocals", out _)).SelectMany(g => g.GetProperty("greenStructLocals").EnumerateArray()).ToList();
        Assert.HasCount(kept.Count, locals);
        Assert.AreEqual(slot.ToString(), locals[0].GetProperty("slot").GetString());
        Assert.AreEqual(count, locals[0].GetProperty("addressReads").GetInt32());
        StringAssert.Contains(locals[0].GetProperty("type").GetString()!, "Instr");
        string html = HtmlReport.Write(result);
        StringAssert.Contains(html, "<h3>Struct locals kept green</h3>");
        StringAssert.Contains(html, $"<code>{System.Net.WebUtility.HtmlEncode(name)}</code> ({slot})");
        // Interpreters without struct locals keep their JSON shape: no empty list.
        using var stackVm = JsonDocument.Parse(JsonReport.Write(Analyze(typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location)));
        Assert.IsFalse(stackVm.RootElement.GetProperty("portals")[0].GetProperty("graphs").EnumerateArray().Any(g => g.TryGetProperty("greenStructLocals", out _)));
    }

    [TestMethod]
    public void TheDotReportColorsInstructions()
    {
        var result = Analyze(typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location);
        string dot = DotReport.Write(result.Portals.Single().Graph!);
        StringAssert.StartsWith(dot, "digraph ");
        StringAssert.Contains(dot, "#1a7f37");
        StringAssert.Contains(dot, "#cf222e");
        StringAssert.Contains(dot, "block1 -> ");
        Assert.AreEqual(dot.Count(c => c == '{'), dot.Count(c => c == '}'));
    }

    [TestMethod]
    public void TheHtmlReportRendersInHeadlessChromiumWithoutConsoleErrors()
    {
        string html = HtmlReport.Write(Analyze(typeof(PeJit.Examples.StackVm.Interpreter).Assembly.Location));
        Assert.IsTrue(html.Contains("class=\"line green\""), "some source lines are green");
        Assert.IsTrue(html.Contains("class=\"line mixed\"") || html.Contains("class=\"line red\""), "some source lines have red operations");
        string chromium = "/usr/bin/chromium";
        if (!File.Exists(chromium)) Assert.Inconclusive("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it");
        string directory = Directory.CreateTempSubdirectory("pejit-html-").FullName;
        try
        {
            string page = Path.Combine(directory, "bta.html");
            File.WriteAllText(page, html);
            var start = new ProcessStartInfo(chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         $"--user-data-dir={Path.Combine(directory, "profile")}", "--enable-logging=stderr", "--v=0",
                         "--virtual-time-budget=2000", "--dump-dom", "file://" + page })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var dom = process.StandardOutput.ReadToEndAsync();
            var log = process.StandardError.ReadToEndAsync();
            Assert.IsTrue(process.WaitForExit(60_000), "chromium did not finish within a minute");
            Assert.IsTrue(dom.Result.Contains("class=\"line green\""), "the page rendered: " + dom.Result[..Math.Min(300, dom.Result.Length)]);
            var consoleErrors = log.Result.Split('\n').Where(l => l.Contains("CONSOLE") && (l.Contains("ERROR") || l.Contains("Uncaught"))).ToList();
            Assert.IsEmpty(consoleErrors, string.Join("\n", consoleErrors));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
