using System.Globalization;
using PeJit.IR;
using PeJit.IR.Text;
using PeJit.Optimizer;

namespace PeJit.Runtime;

/// <summary>
/// Looks at one unit's residual graph at each stage of its compilation: as the engine emitted it, after each
/// optimizer pass (through <see cref="Pipeline.Run"/>'s <c>afterEach</c>), and as handed to the backend.
/// Writes the dumps <see cref="JitSettings.Dump"/> asks for. (The verifier runs in <see cref="Pipeline.Run"/>,
/// before the first pass and after each one: one place for strict mode and <c>PEJIT_VERIFY</c>.)
/// </summary>
/// <remarks>
/// Files are named <c>&lt;portal&gt;.&lt;key&gt;.&lt;NN&gt;-&lt;stage&gt;.ir</c>: <c>00-specialized</c>, then each pass at its
/// position in <see cref="Pipeline.Passes"/> (so a pass that runs twice has two files, and the names do not
/// depend on the selection), then <c>final</c> one past the last pass. Sorted by name, they read in order.
/// </remarks>
internal sealed class ResidualInspector
{
    private readonly string portal;
    private readonly string key;
    private readonly DumpFiles files;

    private ResidualInspector(string portal, string key, DumpFiles files)
    {
        this.portal = portal;
        this.key = key;
        this.files = files;
    }

    /// <summary>The inspector for one unit, or null when there are no dumps (<paramref name="files"/> null) or they leave it out.</summary>
    public static ResidualInspector? For(DumpFiles? files, string portal, string key) =>
        files is not null && files.Settings.Matches(portal, key) ? new ResidualInspector(portal, key, files) : null;

    /// <summary>The unit as the engine emitted it, before any pass.</summary>
    public void Specialized(FlowGraph graph) => Inspect(graph, 0, "specialized", dumped: true);

    /// <summary>What <see cref="Pipeline.Run"/> calls after each pass.</summary>
    public void AfterPass(Pass pass, FlowGraph graph) =>
        Inspect(graph, Position(pass), pass.Name, dumped: files.Settings.DumpsAfter(pass));

    /// <summary>The graph handed to the backend.</summary>
    public void Final(FlowGraph graph) => Inspect(graph, Pipeline.Passes.Count + 1, "final", dumped: true);

    /// <summary>Writes a portal's extension program (<c>&lt;portal&gt;.extension.txt</c>).</summary>
    public static void WriteExtension(DumpFiles files, string portal, Func<string> text) =>
        files.Write($"{FileName(portal)}.extension.txt", text);

    /// <summary>Writes a compiled continuation's graph (<c>&lt;portal&gt;.continuation.&lt;where&gt;.ir</c>).</summary>
    public static void WriteContinuation(DumpFiles files, string portal, string where, Func<string> text) =>
        files.Write($"{FileName(portal)}.continuation.{FileName(where.Replace(':', '_'))}.ir", text);

    private void Inspect(FlowGraph graph, int position, string stage, bool dumped)
    {
        if (!dumped) return;
        files.Write($"{FileName(portal)}.{FileName(key)}.{position.ToString("00", CultureInfo.InvariantCulture)}-{stage}.ir", () => IrPrinter.Print(graph));
    }

    private static int Position(Pass pass)
    {
        for (int i = 0; i < Pipeline.Passes.Count; i++)
            if (ReferenceEquals(Pipeline.Passes[i], pass)) return i + 1;
        // An additional pass (JitSettings.AdditionalPasses) runs after the pipeline: it is dumped as the last stage
        // before the backend.
        return Pipeline.Passes.Count;
    }

    /// <summary>A key such as <c>(12, Code)</c> as a file-name part: <c>12_Code</c>.</summary>
    private static string FileName(string text)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var parts = text.Split([.. invalid, ' ', ',', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 ? "_" : string.Join("_", parts);
    }
}
