using Mono.Cecil;
using PeJit.IR;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Calls to recursive helpers (a method on a cycle of the call graph: it calls itself, directly or through
/// others): which are unfolded while specializing (<see cref="CallTreatment.Unfold"/>,
/// <see cref="CallTreatment.UnfoldVirtual"/>) and which stay residual calls, decided offline.
/// </summary>
/// <remarks>
/// Strategy (the online/offline split of Jones, Gomard and Sestoft, ch. 14, with Truffle's practice of
/// inlining <c>execute()</c> on constant nodes):
/// 1. the analysis is polyvariant already: each callee is analyzed once per binding-time signature, and
///    contexts are shared by (method, signature), so a cycle of calls is a cycle of finitely many contexts
///    and the fixpoint ends. What must end at run time is the unfolding itself;
/// 2. a recursive call is unfolded only when some argument is green: the green arguments are what the engine
///    tells the calls apart by. With none, every unfolding would be the same call again, so it is residual;
/// 3. a call of a method to itself that passes its own green parameters unchanged repeats its green
///    arguments for certain: residual, decided here rather than found on the stack at run time;
/// 4. everything else is decided by the engine per call, on the values: a call that repeats the green
///    arguments of a call still open on the specialization stack (a recursive function of the interpreted
///    program, whose body node comes round again), or that goes past the inlining depth, stays a residual
///    call (UnitSpecializer.Unfolding.cs). So the analysis cannot know whether the call returns into
///    specialized code, and its result is red (rule 4 of <see cref="ContextAnalyzer"/>): the engine still
///    hands back a green value from an unfolded call, and branches on it are decided while specializing.
/// A virtual or interface call on a green receiver whose possible targets include a recursive method (node
/// classes whose <c>Execute</c> calls <c>Execute</c> on their children; a visitor's <c>Accept</c>/<c>Visit</c>
/// pair) is unfolded the same way once the receiver's override is known.
/// </remarks>
internal static class RecursionUnfolding
{
    /// <summary>Why the message of a residual call keeps a recursive call residual, or null when it is unfolded.</summary>
    /// <param name="caller">The graph holding the call.</param>
    /// <param name="call">The call.</param>
    /// <param name="targets">Its possible targets, at least one recursive.</param>
    /// <param name="signature">The binding times of its arguments.</param>
    public static string? ResidualReason(AnnotatedGraph caller, Instruction call, IReadOnlyList<MethodDefinition> targets, BindingTimeSignature signature)
    {
        if (!signature.Letters.Contains('G') && !signature.Letters.Contains('C'))
            return "the callee is recursive and every argument is red: unfolding it would only repeat the call, so it stays a call";
        if (targets.Count == 1 && targets[0] == caller.Method && RepeatsOwnGreenArguments(caller, call, signature))
            return "the callee calls itself with the green arguments it was called with: unfolding it would not end, so it stays a call";
        return null;
    }

    /// <summary>The treatment of an unfolded recursive call.</summary>
    public static CallTreatment Treatment(bool dispatches) => dispatches ? CallTreatment.UnfoldVirtual : CallTreatment.Unfold;

    /// <summary>The report's words for an unfolded recursive call.</summary>
    public static string Reason(bool dispatches) => dispatches
        ? "a recursive virtual call on a green receiver: resolved to the receiver's override and unfolded while specializing, each call to its own green arguments, until one repeats the green arguments of a call still open or goes past the inlining depth"
        : "a recursive call with green arguments: unfolded while specializing, each call to its own green arguments, until one repeats the green arguments of a call still open or goes past the inlining depth";

    /// <summary>The red reason of an unfolded call's result.</summary>
    public const string RedResult = "the result of a recursive call, which specialization may leave residual (a repeated green argument, the inlining depth)";

    private static bool RepeatsOwnGreenArguments(AnnotatedGraph caller, Instruction call, BindingTimeSignature signature)
    {
        var parameters = caller.Graph.Parameters;
        if (parameters.Count != call.Operands.Count) return false;
        for (int i = 0; i < signature.Count; i++)
            if (signature[i] == BindingTime.Green && call.Operands[i] != parameters[i]) return false;
        return true;
    }
}
