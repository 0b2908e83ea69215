namespace PeJit.IR.Semantics;

/// <summary>
/// The <c>System.Array</c> helpers whose effect on an array's elements passes can spell out as element loads and stores
/// (<see cref="ArrayHelperCalls.Of"/> tells which a call is): allocation removal takes them apart on arrays it removes, and
/// shaped self-calls on a callee's fresh arrays.
/// </summary>
public enum ArrayHelper
{
    /// <summary>Not one of the helpers.</summary>
    None,
    /// <summary><c>Array.Fill&lt;T&gt;(T[], T)</c>.</summary>
    Fill,
    /// <summary><c>Array.Clear(Array)</c>.</summary>
    ClearAll,
    /// <summary><c>Array.Clear(Array, int, int)</c>.</summary>
    Clear,
    /// <summary><c>Array.Copy(Array, Array, int)</c>.</summary>
    CopyFromStart,
    /// <summary><c>Array.Copy(Array, int, Array, int, int)</c>.</summary>
    Copy,
}
