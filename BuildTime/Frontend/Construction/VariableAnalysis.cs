using System.Collections;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PeJit.Frontend.Construction;

/// <summary>
/// Which CIL variables (arguments, then locals) become SSA values and which stay in stack slots, and which
/// are live at the start of each block.
/// </summary>
/// <remarks>
/// Strategy: a variable stays in memory (a slot) when its address is taken, or when an exception handler
/// needs the value it had where the exception was thrown: it is live at the entry of a clause's filter or
/// handler and stored somewhere in that clause's try range, or it is stored inside a filter, finally or
/// fault (whose continuation is dynamic). Everything else is SSA. Liveness is the usual backward fixpoint
/// over ordinary and exceptional edges, so a variable a handler reads is live throughout its try range.
/// </remarks>
internal sealed class VariableAnalysis
{
    private VariableAnalysis(int argumentCount, int count)
    {
        ArgumentCount = argumentCount;
        Count = count;
        IsSlot = new bool[count];
    }

    /// <summary>Number of arguments, <c>this</c> included; locals follow.</summary>
    public int ArgumentCount { get; }

    /// <summary>Number of variables.</summary>
    public int Count { get; }

    /// <summary>Per variable: kept in a stack slot.</summary>
    public bool[] IsSlot { get; }

    /// <summary>Per block: variables live on entry.</summary>
    public BitArray[] LiveIn { get; private set; } = [];

    /// <summary>Analyzes a method body over its control flow.</summary>
    public static VariableAnalysis Run(MethodDefinition method, ILControlFlow flow)
    {
        int arguments = method.Parameters.Count + (method.HasThis ? 1 : 0);
        var analysis = new VariableAnalysis(arguments, arguments + flow.Body.Variables.Count);
        analysis.ComputeLiveness(method, flow);
        analysis.ChooseSlots(method, flow);
        return analysis;
    }

    /// <summary>The variable an instruction reads, writes or takes the address of, or -1.</summary>
    public static int VariableOf(MethodDefinition method, Instruction instruction) => instruction.Operand switch
    {
        VariableDefinition local when instruction.OpCode.Code is Code.Ldloc or Code.Stloc or Code.Ldloca
            => method.Parameters.Count + (method.HasThis ? 1 : 0) + local.Index,
        ParameterDefinition parameter when instruction.OpCode.Code is Code.Ldarg or Code.Starg or Code.Ldarga
            => ArgumentIndex(method, parameter),
        _ => -1,
    };

    /// <summary>The argument index of a parameter, counting <c>this</c> as 0 in instance methods.</summary>
    /// <remarks>
    /// Cecil numbers <c>this</c> -1 and declared parameters from 0. By number rather than by comparing with
    /// <c>method.Body.ThisParameter</c>: that reads the body again, and a body released meanwhile (the
    /// analysis lets bodies go once converted) would come back with another <c>this</c>.
    /// </remarks>
    public static int ArgumentIndex(MethodDefinition method, ParameterDefinition parameter) =>
        parameter.Index + (method.HasThis ? 1 : 0);

    private void ComputeLiveness(MethodDefinition method, ILControlFlow flow)
    {
        int n = flow.Blocks.Count;
        var uses = new BitArray[n];
        var defs = new BitArray[n];
        for (int b = 0; b < n; b++)
        {
            uses[b] = new BitArray(Count);
            defs[b] = new BitArray(Count);
            var block = flow.Blocks[b];
            for (int i = block.First; i <= block.Last; i++)
            {
                var instruction = flow.Instructions[i];
                int variable = VariableOf(method, instruction);
                if (variable < 0) continue;
                switch (instruction.OpCode.Code)
                {
                    case Code.Ldloc or Code.Ldarg or Code.Ldloca or Code.Ldarga:
                        if (!defs[b][variable]) uses[b][variable] = true;
                        break;
                    default:
                        defs[b][variable] = true;
                        break;
                }
            }
        }
        LiveIn = new BitArray[n];
        for (int b = 0; b < n; b++) LiveIn[b] = new BitArray(Count);
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int b = n - 1; b >= 0; b--)
            {
                var block = flow.Blocks[b];
                var liveOut = new BitArray(Count);
                foreach (int s in block.Successors) liveOut.Or(LiveIn[s]);
                foreach (int s in block.ExceptionalSuccessors) liveOut.Or(LiveIn[s]);
                var liveIn = new BitArray(defs[b]).Not().And(liveOut).Or(uses[b]);
                if (!SameBits(liveIn, LiveIn[b]))
                {
                    LiveIn[b] = liveIn;
                    changed = true;
                }
            }
        }
    }

    private void ChooseSlots(MethodDefinition method, ILControlFlow flow)
    {
        for (int i = 0; i < flow.Instructions.Count; i++)
        {
            var instruction = flow.Instructions[i];
            int variable = VariableOf(method, instruction);
            if (variable < 0) continue;
            if (instruction.OpCode.Code is Code.Ldloca or Code.Ldarga) IsSlot[variable] = true;
            if (instruction.OpCode.Code is not (Code.Stloc or Code.Starg)) continue;
            int offset = instruction.Offset;
            for (int c = 0; c < flow.Clauses.Count; c++)
            {
                var clause = flow.Clauses[c];
                bool inTry = flow.InTry(c, offset);
                bool inDynamicHandler = flow.InHandler(c, offset) && clause.HandlerType != ExceptionHandlerType.Catch
                    && !(clause.HandlerType == ExceptionHandlerType.Filter && offset >= clause.HandlerStart.Offset);
                bool liveAtHandler = LiveIn[flow.HandlerEntry[c]][variable]
                    || (flow.FilterEntry[c] >= 0 && LiveIn[flow.FilterEntry[c]][variable]);
                if ((inTry && liveAtHandler) || inDynamicHandler) IsSlot[variable] = true;
            }
        }
    }

    private static bool SameBits(BitArray a, BitArray b)
    {
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return false;
        return true;
    }
}
