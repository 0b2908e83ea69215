using PeJit.IR;

namespace PeJit.Specializer.Engine;

/// <summary>
/// The green address of a local that is not a struct (analysis rules 7 and 9, Docs/bta.md rules 8 and 11): <c>ReadOperand(code, ref pc)</c>
/// passes the address of a green <c>pc</c> to a helper the engine inlines. Loads and stores through it read and
/// write the local's green contents in its frame's <c>Slots</c>, so the local stays green through the helper.
/// </summary>
/// <remarks>
/// The frame is named by its depth in the path's frames, not held: a split copies the frames (and their slots),
/// and each path's address must reach its own copy. A callee's frame is deeper than its caller's and is gone before
/// it, and the analysis lets the address go only to loads, stores and inlined callees, so the depth stays valid.
/// A record: two paths holding the same address compare equal when they join.
/// </remarks>
/// <param name="Depth">The index of the local's frame in the path's frames.</param>
/// <param name="Slot">The local.</param>
internal sealed record GreenSlotAddress(int Depth, Slot Slot);
