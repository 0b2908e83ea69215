using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace PeJit.Weaving;

/// <summary>
/// Where a woven portal is <c>AggressiveInlining</c> (<see cref="PortalWeaver.Inlined"/>), the calls of it that do not run on
/// every way through their method call a never-inlined copy of the call instead (<c>&lt;PeJit&gt;OutlinedN_Type.Name</c>, which
/// calls the portal, inlined into it), so that only a caller that always runs the portal carries its woven loop.
/// </summary>
/// <remarks>
/// .NET's JIT honours <c>AggressiveInlining</c> in a block its profile says never runs. A tree-walker's <c>Exec</c> calls its
/// loop portal in its <c>while</c> case, one case of its switch: inlined there, the woven loop (its sites, their slow-path calls
/// and the reload tails) grew <c>Exec</c>'s tier-1 code from 783 bytes to 1,701 with a register more to save, and every
/// statement of a program without <c>while</c> (TreeWalker <c>fib</c>, 10% slower than plain never hot) paid for it
/// (Docs/PERFORMANCE.md, "Never hot and disabled on main b74ebb8"). A handler that always runs the portal (HandlerTable's
/// <c>Call</c>, the way into each interpreted call) gains from it: the portal's call and frame go, and nothing else of the
/// handler is there to pay. The rule is the caller's shape, not its size: the call post-dominates the method's start (every way
/// from it to a <c>ret</c> passes through the call). Outlined, a caller pays one call per call of the portal, which runs a loop.
/// Only <c>call</c> instructions are redirected (a <c>callvirt</c> of an instance portal keeps its null check), and the portal's
/// own recursive calls are left (.NET never inlines a method into itself).
/// </remarks>
internal static class OutlinedPortalCalls
{
    /// <summary>Redirects the calls of <paramref name="portal"/> in its module that do not run on every way through their method; returns how many.</summary>
    public static int Redirect(MethodDefinition portal, MethodDefinition twin, FieldReference disabled)
    {
        var module = portal.Module;
        MethodDefinition? outlined = null;
        int redirected = 0;
        foreach (var method in module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody && m != portal).ToList())
        {
            // A call of a method of the same module reads back as its definition (PlainTwin relies on it too).
            foreach (var call in method.Body.Instructions.Where(i => i.OpCode.Code == Code.Call && ReferenceEquals(i.Operand, portal)).ToList())
            {
                if (OnEveryWay(method.Body, call)) continue;
                call.Operand = outlined ??= Outline(portal, twin, disabled);
                redirected++;
            }
        }
        return redirected;
    }

    /// <summary>
    /// Whether every way from <paramref name="body"/>'s first instruction to a <c>ret</c> passes through <paramref name="call"/>.
    /// </summary>
    /// <remarks>
    /// Strategy: search forward from the start without stepping on the call; a <c>ret</c> reached is a way around it. Every
    /// exception handler is a start too (a handler that returns is a way around the call whatever threw), so the answer errs
    /// towards "not on every way", which only costs the caller a call.
    /// </remarks>
    internal static bool OnEveryWay(MethodBody body, Instruction call)
    {
        var seen = new HashSet<Instruction>();
        var work = new Stack<Instruction>();
        void Visit(Instruction? instruction)
        {
            if (instruction is not null && instruction != call && seen.Add(instruction)) work.Push(instruction);
        }
        Visit(body.Instructions[0]);
        foreach (var handler in body.ExceptionHandlers)
        {
            Visit(handler.HandlerStart);
            Visit(handler.FilterStart);
        }
        while (work.Count > 0)
        {
            var instruction = work.Pop();
            if (instruction.OpCode.Code == Code.Ret) return false;
            switch (instruction.OpCode.FlowControl)
            {
                case FlowControl.Branch:
                    Visit((Instruction)instruction.Operand);
                    break;
                case FlowControl.Cond_Branch:
                    if (instruction.Operand is Instruction[] targets) foreach (var target in targets) Visit(target);
                    else Visit((Instruction)instruction.Operand);
                    Visit(instruction.Next);
                    break;
                case FlowControl.Return or FlowControl.Throw:
                    break; // endfinally, endfilter, throw, rethrow: no way on to a ret of their own
                default:
                    Visit(instruction.Next);
                    break;
            }
        }
        return true;
    }

    /// <summary>
    /// <c>[NoInlining] static R Name([this,] args...) => PortalCounters.Disabled ? twin([this,] args...) : portal([this,] args...);</c>
    /// in a class of its own after every existing type (so no token moves), named after the portal's class so that stack traces
    /// still say which portal ran. The test of <c>Disabled</c> is the portal's own first one (<see cref="PlainTwin.Divert"/>),
    /// made here as well so that with <c>PEJIT_DISABLE=1</c> the JIT, which folds it, inlines the twin into this method as it
    /// could the original, instead of the woven portal's folded prelude using up this method's inlining budget and leaving the
    /// twin's call: two calls per call of the portal where plain makes one (TreeWalker <c>primes</c> disabled, a short loop per
    /// call of a function, 6% slower than plain).
    /// </summary>
    private static MethodDefinition Outline(MethodDefinition portal, MethodDefinition twin, FieldReference disabled)
    {
        var module = portal.Module;
        var type = new TypeDefinition("", $"<PeJit>Outlined{portal.MetadataToken.RID}_{portal.DeclaringType.Name}",
            TypeAttributes.NotPublic | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit | TypeAttributes.Class,
            module.TypeSystem.Object);
        var outlined = new MethodDefinition(portal.Name, MethodAttributes.Assembly | MethodAttributes.Static | MethodAttributes.HideBySig, portal.ReturnType)
        {
            ImplAttributes = MethodImplAttributes.NoInlining,
        };
        if (portal.HasThis)
            outlined.Parameters.Add(new ParameterDefinition("this", ParameterAttributes.None,
                portal.DeclaringType.IsValueType ? new ByReferenceType(portal.DeclaringType) : portal.DeclaringType));
        foreach (var parameter in portal.Parameters)
            outlined.Parameters.Add(new ParameterDefinition(parameter.Name, ParameterAttributes.None, parameter.ParameterType));
        var il = outlined.Body.GetILProcessor();
        List<Instruction> CallOf(MethodDefinition method) =>
            [.. outlined.Parameters.Select(p => il.Create(OpCodes.Ldarg, p)), il.Create(OpCodes.Call, method), il.Create(OpCodes.Ret)];
        var woven = CallOf(portal);
        il.Emit(OpCodes.Ldsfld, disabled);
        il.Emit(OpCodes.Brfalse, woven[0]);
        foreach (var instruction in CallOf(twin).Concat(woven)) il.Append(instruction);
        outlined.Body.OptimizeMacros();
        type.Methods.Add(outlined);
        module.Types.Add(type);
        return outlined;
    }
}
