namespace PeJit.Specializer.Extension;

/// <summary>
/// A green load or call: reads its operands from a frame's typed register files (<paramref name="operands"/> holds
/// their register numbers, each in its class's file) and writes its result to register <paramref name="result"/>
/// of the result's class (none when negative). Either a static method <c>pejit build</c> emitted into the
/// JIT-enabled assembly (<c>GreenAccessEmitter</c>), bound when the program is linked, or a lambda compiled at
/// link time (<see cref="GreenAccessBuilder"/>). The files are passed, not the frame, so that the emitted
/// methods need no type of PeJit's.
/// </summary>
internal delegate void GreenAccess(long[] ints, double[] floats, object?[] refs, int[] operands, int result);
