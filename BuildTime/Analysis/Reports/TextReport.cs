using System.Text;
using PeJit.Analysis.BindingTimes;
using PeJit.Analysis.Diagnostics;

namespace PeJit.Analysis.Reports;

/// <summary>
/// The binding-time report for a terminal: per portal, its hints, a summary per annotated graph, the
/// residual calls and why, why the values that make the residual code branch are red, then the annotated
/// graphs themselves. Deterministic (no paths, no times), so it can be a golden file.
/// </summary>
public static class TextReport
{
    /// <summary>Writes the report of <paramref name="result"/>.</summary>
    public static string Write(AnalysisResult result)
    {
        var text = new StringBuilder();
        text.Append("PeJit binding-time report: ").Append(result.Module.Name).Append('\n');
        text.Append('=', 28 + result.Module.Name.Length).Append("\n\n");
        text.Append("green: known while specializing (computed from the green key and constants)\n");
        text.Append("red:   known only when the compiled code runs (emitted into it)\n\n");

        foreach (var portal in result.Portals)
        {
            var method = portal.Hints.Method;
            text.Append("Portal ").Append(method.DeclaringType.FullName).Append("::").Append(method.Name).Append('\n');
            text.Append("  greens: ").Append(string.Join(", ", portal.Hints.Greens)).Append('\n');
            text.Append("  reds:   ").Append(string.Join(", ", portal.Hints.Reds)).Append('\n');
            if (portal.Graph is not { } graph)
            {
                text.Append("  not analyzed: see the errors below\n\n");
                continue;
            }
            if (portal.MergePoint is { } merge)
                text.Append("  merge point: ").Append(ReportModel.FileName(graph.Graph.SourceDocument))
                    .Append(merge.Location.Line > 0 ? $" line {merge.Location.Line}" : "").Append($" (IL_{merge.Location.ILOffset:x4})\n");
            // The reds [Virtualizable] covers, and what compiled code keeps of them in registers.
            foreach (var red in portal.VirtualizableReds(graph.Graph))
            {
                string type = graph.Graph.TypeOf(red).Name;
                var frame = portal.Virtualizables.First(v => v.ClassName == type);
                int position = portal.MergeVariables.ToList().IndexOf(red) - portal.Hints.Greens.Count;
                string redName = position >= 0 && position < portal.Hints.Reds.Count ? portal.Hints.Reds[position] : "this";
                var inRegisters = frame.Fields.Select(ShortName).Concat(frame.Arrays.Select(a => ShortName(a) + "[*]"));
                text.Append("  virtualizable red: ").Append(redName).Append(" (").Append(type)
                    .Append(": ").Append(string.Join(", ", inRegisters)).Append(")\n");
            }
            text.Append('\n');

            text.Append("  Annotated graphs reached from the portal:\n");
            int width = portal.Reachable.Max(g => g.Name.Length);
            foreach (var reached in portal.Reachable)
            {
                var (green, red) = ReportModel.Counts(reached);
                int residual = ReportModel.ResidualCalls(reached).Count();
                text.Append("    ").Append(reached.Name.PadRight(width))
                    .Append($"  {green,4} green {red,4} red   residual calls {residual,2}   returns {(reached.ReturnTime == BindingTime.Green ? "green" : "red")}   loops: {ReportModel.Loops(reached)}\n");
            }
            text.Append('\n');

            text.Append("  Residual calls (they stay calls in the compiled code):\n");
            bool any = false;
            foreach (var reached in portal.Reachable)
                foreach (var (call, decision) in ReportModel.ResidualCalls(reached))
                {
                    any = true;
                    text.Append("    ").Append(reached.Name).Append(call.Location.Line > 0 ? $" line {call.Location.Line}" : "")
                        .Append(": ").Append(call.Method!.Name).Append(" — ").Append(decision.Reason).Append('\n');
                }
            if (!any) text.Append("    none\n");
            text.Append('\n');

            // Only when there are some: residual calls that read only, or none, leave the report as it was.
            var barriers = BarrierReasons.Of(portal.Reachable);
            if (barriers.Count > 0)
            {
                text.Append("  Barriers (residual calls that may write memory: values loaded before them are loaded again after them, and a loop's fields and elements kept in registers are written back before them):\n");
                foreach (var barrier in barriers)
                    text.Append("    ").Append(barrier.Graph.Name).Append(barrier.Call.Location.Line > 0 ? $" line {barrier.Call.Location.Line}" : "")
                        .Append(": ").Append(barrier.Text).Append('\n');
                text.Append('\n');
            }

            // Only when there are some, so reports of interpreters that keep no state in the framework's collections read as before.
            var collections = ReportModel.CollectionCalls(portal.Reachable);
            if (collections.Count > 0)
                text.Append("  Calls into the framework's collections: ").Append(string.Join(", ", collections)).Append(". ")
                    .Append(ReportModel.CollectionCallsAdvice).Append("\n\n");

            // Only when there are some, so reports of interpreters without recursive helpers read as before.
            var unfolded = portal.Reachable.SelectMany(r => ReportModel.UnfoldedCalls(r).Select(c => (Graph: r, c.Call, c.Decision))).ToList();
            if (unfolded.Count > 0)
            {
                text.Append("  Recursive calls unfolded while specializing (a call that repeats the green arguments of an open call, or goes past the inlining depth, stays a call):\n");
                foreach (var (reached, call, decision) in unfolded)
                    text.Append("    ").Append(reached.Name).Append(call.Location.Line > 0 ? $" line {call.Location.Line}" : "")
                        .Append(": ").Append(call.Method!.Name).Append(" -> ").Append(ReportModel.Targets(decision)).Append('\n');
                text.Append('\n');
            }

            // Only when there are some, so reports of interpreters without Jit.PromoteClass read as before.
            var promotions = portal.Reachable.SelectMany(r => ReportModel.ClassPromotions(r).Select(c => (Graph: r, Call: c))).ToList();
            if (promotions.Count > 0)
            {
                text.Append("  Classes promoted (Jit.PromoteClass: the residual code guards on the class; the reference stays red):\n");
                foreach (var (reached, call) in promotions)
                    text.Append("    ").Append(reached.Name).Append(call.Location.Line > 0 ? $" line {call.Location.Line}" : "")
                        .Append(": ").Append(call.Result is { } promoted ? ReportModel.Describe(reached, promoted) : "").Append('\n');
                text.Append("  What the promoted classes made green:\n");
                bool decided = false;
                foreach (var reached in portal.Reachable)
                    foreach (var (instruction, what) in ReportModel.DecidedOnClass(reached))
                    {
                        decided = true;
                        text.Append("    ").Append(reached.Name).Append(instruction.Location.Line > 0 ? $" line {instruction.Location.Line}" : "")
                            .Append(": ").Append(what).Append('\n');
                    }
                if (!decided) text.Append("    nothing\n");
                text.Append('\n');
            }

            // Only when there are some, so reports of interpreters without delegates read as before.
            var delegateCalls = portal.Reachable.SelectMany(r => ReportModel.DelegateCalls(r).Select(c => (Graph: r, c.Call, c.Decision, c.Family))).ToList();
            if (delegateCalls.Count > 0)
            {
                text.Append("  Calls through delegates (the family: every method the analyzed assemblies make into a delegate of the type):\n");
                foreach (var (reached, call, decision, family) in delegateCalls)
                {
                    text.Append("    ").Append(reached.Name).Append(call.Location.Line > 0 ? $" line {call.Location.Line}" : "")
                        .Append($": {family.DelegateType}.Invoke — ").Append(ReportModel.DelegateOutcome(decision)).Append('\n');
                    if (family.Members.Count == 0) text.Append("      family: empty\n");
                    foreach (var member in family.Members)
                    {
                        string? excluded = family.Excluded.FirstOrDefault(e => e.Member == member).Reason;
                        // Where it is: a lambda's name says little.
                        var graphOf = decision.Targets.FirstOrDefault(t => BindingTimeAnalysis.MethodName(t.Method) == member);
                        int line = graphOf is null ? 0 : ReportModel.Instructions(graphOf).Select(p => p.Instruction.Location.Line).FirstOrDefault(l => l > 0);
                        text.Append("      ").Append(member).Append(line > 0 ? $" (line {line})" : "")
                            .Append(excluded is null ? "" : $" (stays a call: {excluded})").Append('\n');
                    }
                }
                text.Append('\n');
            }

            // Only when there are some, so reports of interpreters without closures read as before.
            var captured = ReportModel.CapturedReads(result, portal.Reachable);
            if (captured.Count > 0)
            {
                text.Append("  ").Append(ReportModel.CapturedVariablesHeading).Append(" (").Append(ReportModel.CapturedVariablesNote).Append("):\n");
                foreach (var (field, green, why) in captured)
                    text.Append("    ").Append(ReportModel.CapturedLine(field, green, why)).Append('\n');
                text.Append('\n');
            }

            // Only when there are some, so reports of interpreters without struct locals read as before.
            var kept = portal.Reachable.SelectMany(r => ReportModel.GreenAddressedSlots(r).Select(s => (Graph: r, s.Slot, s.First, s.Count, s.Written))).ToList();
            if (kept.Count > 0)
            {
                text.Append("  Struct locals kept green (their address read through: getters, readonly members, in parameters; or written with green values: with expressions, setters, field writers):\n");
                foreach (var (reached, slot, first, count, written) in kept)
                    text.Append("    ").Append(reached.Name).Append(first.Location.Line > 0 ? $" line {first.Location.Line}" : "")
                        .Append($": '{reached.Graph[slot].Name ?? slot.ToString()}' ({slot}), its address ")
                        .Append(written > 0 ? $"taken {count} time(s), {written} to write green values\n" : $"read {count} time(s)\n");
                text.Append('\n');
            }
            var partly = portal.Reachable.SelectMany(r => ReportModel.StructsWithRedFields(r).Select(s => (Graph: r, s.Slot, s.Red, s.Green))).ToList();
            if (partly.Count > 0)
            {
                text.Append("  Struct locals with red fields (each field has its own binding time: green fields are read while specializing, the struct read or passed as a whole is red):\n");
                foreach (var (reached, slot, red, green) in partly)
                {
                    text.Append("    ").Append(reached.Name).Append($": '{reached.Graph[slot].Name ?? slot.ToString()}' ({slot})")
                        .Append(green.Count > 0 ? $", green: {string.Join(", ", green)}" : "").Append('\n');
                    foreach (var (field, reason) in red.OrderBy(f => f.Key, StringComparer.Ordinal))
                        text.Append("      red ").Append(FieldAccess.DisplayName(field)).Append(reason.Location.Line > 0 ? $" (line {reason.Location.Line})" : "").Append(": ").Append(reason.Message).Append('\n');
                }
                text.Append('\n');
            }
            var madeRed = portal.Reachable.SelectMany(r => ReportModel.StructsMadeRedByWriters(r).Select(s => (Graph: r, s.Slot, s.Reason))).ToList();
            if (madeRed.Count > 0)
            {
                text.Append("  Struct locals made red as a whole by a write:\n");
                foreach (var (reached, slot, reason) in madeRed)
                    text.Append("    ").Append(reached.Name).Append(reason.Location.Line > 0 ? $" line {reason.Location.Line}" : "")
                        .Append(": ").Append(reason.Message).Append('\n');
                text.Append('\n');
            }

            text.Append("  Why the compiled code branches (red conditions in the portal):\n");
            any = false;
            foreach (var value in ReportModel.InterestingRedValues(graph))
            {
                any = true;
                text.Append("    ").Append(ReportModel.Describe(graph, value)).Append(" is red:\n");
                foreach (var line in ReportModel.ChainLines(graph, value)) text.Append("      ").Append(line).Append('\n');
            }
            if (!any) text.Append("    none: every branch of the portal is decided while specializing\n");
            text.Append('\n');
        }

        text.Append("Diagnostics:\n");
        if (result.Diagnostics.Count == 0) text.Append("  none\n");
        foreach (var diagnostic in result.Diagnostics)
        {
            var shown = diagnostic with { Document = diagnostic.Document is null ? null : ReportModel.FileName(diagnostic.Document) };
            text.Append("  ").Append(shown.ToString().Replace("\n", "\n  ")).Append('\n');
        }
        text.Append('\n');

        foreach (var portal in result.Portals)
            foreach (var reached in portal.Reachable)
            {
                text.Append("== ").Append(reached.Name).Append(" ==\n");
                text.Append(reached.Print()).Append('\n');
            }
        return text.ToString();
    }

    /// <summary>The diagnostics alone, one per entry, for stderr.</summary>
    public static string Diagnostics(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d => d.ToString()));

    /// <summary>A field's simple name from its full name.</summary>
    private static string ShortName(string field) => field[(field.LastIndexOf("::", StringComparison.Ordinal) + 2)..];
}
