using System.Text;

namespace PeJit.Specializer.Extension;

/// <summary>
/// A generating extension as its text form holds it (<see cref="ExtensionPrinter"/> writes it,
/// <see cref="ExtensionParser"/> reads it back): the header comment, then each graph, the portal's first.
/// <see cref="Print"/> writes the same text again, and <see cref="ExtensionVerifier"/> checks it.
/// </summary>
/// <param name="Header">The first line, a comment (<c>; generating extension: 5 graphs, ...</c>).</param>
/// <param name="Graphs">The graphs, in the order printed.</param>
public sealed record ExtensionListing(string Header, IReadOnlyList<ListedGraph> Graphs)
{
    /// <summary>The text form, as <see cref="ExtensionPrinter.Print(ExtensionProgram)"/> writes it.</summary>
    public string Print()
    {
        var text = new StringBuilder().AppendLine(Header);
        foreach (var graph in Graphs)
        {
            text.AppendLine();
            text.Append("graph ").Append(graph.Name)
                .Append(" (int ").Append(graph.IntCount).Append(", float ").Append(graph.FloatCount).Append(", ref ").Append(graph.RefCount).Append(')');
            if (graph.Parameters.Count > 0) text.Append(" params ").Append(string.Join(", ", graph.Parameters));
            text.AppendLine();
            for (int b = 0; b < graph.Blocks.Count; b++)
            {
                text.Append("block").Append(b).AppendLine(":");
                foreach (var op in graph.Blocks[b]) text.Append("  ").AppendLine(op.ToString());
            }
        }
        return text.ToString();
    }
}
