namespace PeJit.Specializer.Extension;

/// <summary>
/// Checks a generating extension in its text form (<see cref="ExtensionListing"/>), as read back from a dump, or
/// printed from a program read back from an assembly (<see cref="ExtensionSerializer"/>; <c>ExtensionStorageTests</c>).
/// Returns every error, not the first.
/// </summary>
/// <remarks>
/// Invariants:
/// 1. the header's graph count is the number of graphs, and no two graphs share a name;
/// 2. every register number is below the size of its class's file in its graph;
/// 3. a value has one register (class and number) everywhere in its graph;
/// 4. an op defines its result at most once, and never a parameter of the entry block;
/// 5. every target is a block of the same graph, and every jump to a block passes its arguments to the same
///    parameters (a block has one parameter list);
/// 6. every graph a call inlines (named in its note) is a graph of the program;
/// 7. a call resolved while specializing (<c>InlineVirtual</c>, a receiver's override; <c>InlineDelegate</c>, a green
///    delegate's target) names at least one graph to pick from.
/// </remarks>
public static class ExtensionVerifier
{
    /// <summary>Every broken invariant, each with the graph, block and op where it is.</summary>
    public static IReadOnlyList<string> Verify(ExtensionListing listing)
    {
        var errors = new List<string>();
        var names = listing.Graphs.Select(g => g.Name).ToHashSet();
        foreach (var twice in listing.Graphs.GroupBy(g => g.Name).Where(g => g.Count() > 1))
            errors.Add($"{twice.Count()} graphs are named '{twice.Key}': a call that names it cannot say which");
        var counted = System.Text.RegularExpressions.Regex.Match(listing.Header, @"(\d+) graphs");
        if (counted.Success && int.Parse(counted.Groups[1].Value) != listing.Graphs.Count)
            errors.Add($"the header counts {counted.Groups[1].Value} graphs, the listing holds {listing.Graphs.Count}");
        foreach (var graph in listing.Graphs) Verify(graph, names, errors);
        return errors;
    }

    private static void Verify(ListedGraph graph, HashSet<string> programGraphs, List<string> errors)
    {
        var registers = new Dictionary<int, ListedRegister>();
        var defined = new HashSet<int>();
        var parameterLists = new Dictionary<int, string>();
        void Check(ListedRegister register, string where)
        {
            if (register.Number >= graph.CountOf(register.Class))
                errors.Add($"{where}: {register} is past the {register.Class} file's {graph.CountOf(register.Class)} registers");
            if (registers.TryGetValue(register.Value, out var first) && first != register)
                errors.Add($"{where}: v{register.Value} is {register} here but {first} elsewhere");
            else registers[register.Value] = register;
        }
        foreach (var parameter in graph.Parameters)
        {
            Check(parameter, $"{graph.Name} params");
            defined.Add(parameter.Value);
        }
        for (int b = 0; b < graph.Blocks.Count; b++)
        {
            for (int i = 0; i < graph.Blocks[b].Count; i++)
            {
                var op = graph.Blocks[b][i];
                string where = $"{graph.Name} block{b}[{i}] ({op.Opcode})";
                foreach (var operand in op.Operands) Check(operand, where);
                if (op.Result is { } result)
                {
                    Check(result, where);
                    if (!defined.Add(result.Value)) errors.Add($"{where}: v{result.Value} is defined twice");
                }
                foreach (var target in op.Targets)
                {
                    if (target.Block >= graph.Blocks.Count)
                        errors.Add($"{where}: block{target.Block} is not a block of the graph ({graph.Blocks.Count} blocks)");
                    foreach (var move in target.Moves)
                    {
                        Check(move.Argument, where);
                        Check(move.Parameter, where);
                    }
                    string parameters = string.Join(", ", target.Moves.Select(m => m.Parameter));
                    if (parameterLists.TryGetValue(target.Block, out var earlier) && earlier != parameters)
                        errors.Add($"{where}: block{target.Block} takes ({parameters}) here but ({earlier}) elsewhere");
                    else parameterLists[target.Block] = parameters;
                }
                foreach (var callee in op.Callees)
                    if (!programGraphs.Contains(callee)) errors.Add($"{where}: the call inlines '{callee}', which is no graph of the program");
                if (op.Tag == "call" && op.Note?.Split(' ')[0] is nameof(IR.CallTreatment.InlineVirtual) or nameof(IR.CallTreatment.InlineDelegate) && op.Callees.Count == 0)
                    errors.Add($"{where}: the call is resolved while specializing ({op.Note}) but names no graph to pick from");
            }
        }
    }
}
