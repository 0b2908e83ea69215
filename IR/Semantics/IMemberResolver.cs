using System.Reflection;
using PeJit.IR;

namespace PeJit.IR.Semantics;

/// <summary>Maps the IR's types and members to the running process's reflection objects.</summary>
public interface IMemberResolver
{
    /// <summary>The run-time type of an IR type.</summary>
    Type ResolveType(IrType type);

    /// <summary>The run-time method or constructor an instruction names.</summary>
    MethodBase ResolveMethod(MethodRef method);

    /// <summary>The run-time field an instruction names.</summary>
    FieldInfo ResolveField(FieldRef field);
}
