namespace PeJit.IR.Semantics;

/// <summary>Which <see cref="ArrayHelper"/> a residual call is: by the method's declaring type, name and parameter types.</summary>
public static class ArrayHelperCalls
{
    /// <summary>The helper <paramref name="instruction"/> calls, or <see cref="ArrayHelper.None"/> (not a call, or a call of anything else).</summary>
    public static ArrayHelper Of(Instruction instruction)
    {
        if (instruction.Opcode != Opcode.Call || instruction.Result is not null || instruction.Method is not { HasThis: false } method
            || method.DeclaringTypeName != "System.Array") return ArrayHelper.None;
        string full = method.FullName;
        string parameters = full[full.IndexOf('(', full.IndexOf("::", StringComparison.Ordinal))..];
        return (method.Name, parameters) switch
        {
            ("Fill", "(!!0[],!!0)") => ArrayHelper.Fill,
            ("Clear", "(System.Array)") => ArrayHelper.ClearAll,
            ("Clear", "(System.Array,System.Int32,System.Int32)") => ArrayHelper.Clear,
            ("Copy", "(System.Array,System.Array,System.Int32)") => ArrayHelper.CopyFromStart,
            ("Copy", "(System.Array,System.Int32,System.Array,System.Int32,System.Int32)") => ArrayHelper.Copy,
            _ => ArrayHelper.None,
        };
    }
}
