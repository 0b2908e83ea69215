namespace PeJit.Specializer.Extension;

/// <summary>
/// A green load or call compiled with the extension: reads its operands from the frame's typed registers
/// (<paramref name="operands"/> holds their register numbers, each in its class's file) and writes its result
/// to register <paramref name="result"/> of the result's class (none when negative).
/// </summary>
internal delegate void GreenAccess(ExtensionFrame frame, int[] operands, int result);
