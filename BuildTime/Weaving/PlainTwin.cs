using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

namespace PeJit.Weaving;

/// <summary>
/// The portal's original body, copied before the weaver touches it into a static method of a class added after
/// every existing type (<c>&lt;PeJit&gt;PlainN_Type.Name</c>, named so in stack traces), and the woven portal's first instructions:
/// <code>
///   if (PortalCounters.Disabled) return &lt;PeJit&gt;PlainN_Type.Name(this, args...);
/// </code>
/// so that <c>PEJIT_DISABLE=1</c> runs the plain interpreter's own code, not the woven loop with its sites folded
/// away. Folded sites left the loop's instructions the plain ones, but not its shape: the tails the sites branch
/// to, and the counts .NET's first tier collects on them, change how its optimizing JIT lays out the dispatch loop,
/// and some programs ran 6-16% slower disabled (Docs/PERFORMANCE.md, "Interpreting costs nothing extra"). The
/// test is a <c>static readonly</c> field, which the optimizing JIT folds, so an enabled run pays nothing for it
/// once the portal is optimized.
/// </summary>
/// <remarks>
/// The copy is exact: the same instructions, locals, exception clauses and sequence points (stack traces keep
/// their lines). An instance portal's <c>this</c> becomes the copy's first parameter (by reference on a struct).
/// The copy's recursive <c>call</c>s of the portal call the copy, so a disabled recursive interpreter adds no
/// frame per interpreted call; a <c>callvirt</c> of the portal keeps calling the portal (its null check and
/// dispatch must stay), which diverts again. The class is added after every existing type, so no token moves,
/// and it reaches the interpreter's private members as the rest of PeJit's additions do
/// (<c>[IgnoresAccessChecksTo]</c> for the assembly itself, <c>OwnAccessChecks</c>, added here: without green accessors the
/// emitter did not add it, and an emulator's disabled run failed calling its private <c>Step</c>). Hints in the copy stay what they are in the plain
/// build: calls of PeJit.Hints methods that do nothing.
/// </remarks>
internal static class PlainTwin
{
    /// <summary>Copies <paramref name="portal"/>'s body (not yet woven) into a new class of its module and returns the copy.</summary>
    public static MethodDefinition Copy(MethodDefinition portal)
    {
        var module = portal.Module;
        var type = new TypeDefinition("", $"<PeJit>Plain{portal.MetadataToken.RID}_{portal.DeclaringType.Name}",
            TypeAttributes.NotPublic | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.BeforeFieldInit | TypeAttributes.Class,
            module.TypeSystem.Object);
        var twin = new MethodDefinition(portal.Name, MethodAttributes.Assembly | MethodAttributes.Static | MethodAttributes.HideBySig, portal.ReturnType)
        {
            ImplAttributes = portal.ImplAttributes,
        };
        type.Methods.Add(twin);
        module.Types.Add(type);
        // The copy is outside the portal's class: its calls of the interpreter's private helpers need the grant.
        PeJit.Frontend.Access.OwnAccessChecks.Grant(module);

        var source = portal.Body;
        var parameters = new Dictionary<ParameterDefinition, ParameterDefinition>();
        if (portal.HasThis)
        {
            TypeReference self = portal.DeclaringType.IsValueType ? new ByReferenceType(portal.DeclaringType) : portal.DeclaringType;
            var copy = new ParameterDefinition("this", ParameterAttributes.None, self);
            twin.Parameters.Add(copy);
            parameters[source.ThisParameter] = copy;
        }
        foreach (var parameter in portal.Parameters)
        {
            // Default values and marshalling belong to the portal's signature, not to this internal copy.
            var copy = new ParameterDefinition(parameter.Name,
                parameter.Attributes & ~(ParameterAttributes.HasDefault | ParameterAttributes.HasFieldMarshal | ParameterAttributes.Optional),
                parameter.ParameterType);
            twin.Parameters.Add(copy);
            parameters[parameter] = copy;
        }

        var body = twin.Body;
        body.InitLocals = source.InitLocals;
        var variables = new Dictionary<VariableDefinition, VariableDefinition>();
        foreach (var variable in source.Variables)
        {
            var copy = new VariableDefinition(variable.VariableType);
            body.Variables.Add(copy);
            variables[variable] = copy;
        }

        var instructions = new Dictionary<Instruction, Instruction>();
        foreach (var instruction in source.Instructions)
        {
            var copy = Instruction.Create(OpCodes.Nop);
            copy.OpCode = instruction.OpCode;
            instructions[instruction] = copy;
            body.Instructions.Add(copy);
        }
        Instruction? Map(Instruction? instruction) => instruction is null ? null : instructions[instruction];
        foreach (var instruction in source.Instructions)
        {
            instructions[instruction].Operand = instruction.Operand switch
            {
                Instruction target => Map(target),
                Instruction[] targets => targets.Select(t => Map(t)!).ToArray(),
                VariableDefinition variable => variables[variable],
                ParameterDefinition parameter => parameters[parameter],
                MethodReference method when ReferenceEquals(method, portal) && instruction.OpCode.Code == Code.Call => twin,
                var operand => operand,
            };
        }
        foreach (var handler in source.ExceptionHandlers)
        {
            body.ExceptionHandlers.Add(new ExceptionHandler(handler.HandlerType)
            {
                TryStart = Map(handler.TryStart),
                TryEnd = Map(handler.TryEnd),
                HandlerStart = Map(handler.HandlerStart),
                HandlerEnd = Map(handler.HandlerEnd),
                FilterStart = Map(handler.FilterStart),
                CatchType = handler.CatchType,
            });
        }
        if (portal.DebugInformation.HasSequencePoints)
        {
            var byOffset = source.Instructions.GroupBy(i => i.Offset).ToDictionary(g => g.Key, g => g.First());
            foreach (var point in portal.DebugInformation.SequencePoints)
            {
                if (!byOffset.TryGetValue(point.Offset, out var at)) continue;
                twin.DebugInformation.SequencePoints.Add(new SequencePoint(instructions[at], point.Document)
                {
                    StartLine = point.StartLine, StartColumn = point.StartColumn, EndLine = point.EndLine, EndColumn = point.EndColumn,
                });
            }
        }
        body.OptimizeMacros();
        return twin;
    }

    /// <summary>
    /// Puts <c>if (PortalCounters.Disabled) return twin(this, args...);</c> before <paramref name="portal"/>'s first
    /// instruction (after the weaver is done with it: nothing branches to the new instructions).
    /// </summary>
    public static void Divert(MethodDefinition portal, MethodDefinition twin, FieldReference disabled)
    {
        var body = portal.Body;
        var il = body.GetILProcessor();
        var first = body.Instructions[0];
        var code = new List<Instruction> { il.Create(OpCodes.Ldsfld, disabled), il.Create(OpCodes.Brfalse, first) };
        if (portal.HasThis) code.Add(il.Create(OpCodes.Ldarg, body.ThisParameter));
        foreach (var parameter in portal.Parameters) code.Add(il.Create(OpCodes.Ldarg, parameter));
        code.Add(il.Create(OpCodes.Call, twin));
        code.Add(il.Create(OpCodes.Ret));
        foreach (var instruction in code) il.InsertBefore(first, instruction);
    }
}
