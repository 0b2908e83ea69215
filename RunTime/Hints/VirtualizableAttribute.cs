namespace PeJit;

/// <summary>
/// Marks an interpreter's frame class whose named fields and named arrays' elements compiled code may keep in registers,
/// across calls that cannot reach the frame.
/// </summary>
/// <remarks>
/// Honored by default: <c>JitSettings.Virtualizables</c> (<c>PEJIT_VIRTUALIZABLE=0</c> in the environment) treats frames of the
/// class as ordinary objects, to compare.
/// Rules (what PeJit does):
/// <list type="number">
/// <item>Each name is an instance field of the class (<c>"Pc"</c>) or a <c>readonly</c> one-dimensional array field with a
/// trailing <c>[*]</c> (<c>"Registers[*]"</c>): the elements of that array are kept. <c>pejit build</c> rejects any other
/// name (PJ0011, PJ0012), an array field that is not readonly (PJ0013: the array could be replaced while compiled code keeps
/// its elements), and warns when no portal has a red of the class (PJ1003). The <c>this</c> of a portal that is an instance
/// method of the class is such a red without being named (an interpreter whose stack pointer and stack are fields of the
/// interpreter object itself, as clox ports keep them). The BTA report names the virtualizable reds.</item>
/// <item>In compiled code, inside each loop of a unit whose reds include a frame of the class, the elements of its named arrays
/// are SSA values (registers), also across calls that cannot reach the frame: a call reaches it when it is given the frame,
/// one of its named arrays, an object compiled code made that holds one, an address that may point into one, or a value
/// of a type a frame or array could be (<c>object</c>, an interface); any call does once compiled code stored the frame or
/// a named array anywhere but in a frame or in the runtime's state.</item>
/// <item>Before a call that may reach the frame, what the loop changed is written back; after it, the elements are loaded again
/// (not after one that only reads them, such as <c>Array.Copy</c> from them). Every exit of compiled code writes them back, so the
/// interpreter goes on with the real values.</item>
/// <item>An array given to the portal apart from its frame (a red <c>regs</c> beside the red <c>frame</c>, holding
/// <c>frame.Registers</c>) is taken for the frame's when a test where the loop is entered finds it is; otherwise the loop
/// keeps it in memory, as without the attribute.</item>
/// <item>Named fields that are not arrays are checked and stored, and kept in registers where the loop calls nothing, as
/// any field is; across calls they stay in memory (not done yet).</item>
/// </list>
/// What the interpreter promises:
/// <list type="number">
/// <item>A frame of the class and its named arrays are referenced only from locals and arguments, from frames of the class
/// (any of their fields: a callee's frame may hold its caller's registers), and from objects the running code made and
/// passes on; never from statics, other long-lived objects, other arrays, or a closure's captures. So code outside the
/// interpreter's loop can reach them only through a reference the call gives it, which compiled code sees.</item>
/// <item>The frame belongs to the thread running it: no other thread reads or writes it while compiled code for it runs
/// (as for any memory a compiler keeps in registers).</item>
/// <item>When an exception leaves the portal, nobody reads the named elements of the frame it was running on (its frame is
/// dropped): compiled code writes them back at exits and before calls that may reach the frame, not before every
/// instruction that may throw. A portal that catches exceptions around its merge point keeps its frames in memory (its
/// units are not promoted).</item>
/// </list>
/// No check is woven into code outside the loop: with the write-back before every call that may reach the frame, such code
/// on the same thread sees and makes the real values; only a reference kept against rule 1 of the promises (a frame stashed
/// in a static and read by a call not given it) would see stale ones, and no check at the read could write back values
/// that live in the registers of a compiled method further up the stack.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class VirtualizableAttribute : Attribute
{
    /// <summary>Creates the attribute for the named fields.</summary>
    /// <param name="fields">Field names; readonly array fields whose elements are virtualized end in <c>[*]</c>.</param>
    public VirtualizableAttribute(params string[] fields) => Fields = fields;

    /// <summary>The virtualized field names.</summary>
    public string[] Fields { get; }
}
