namespace PeJit.Specializer.Extension;

/// <summary>What the engine knows of one register of an <see cref="ExtensionFrame"/>.</summary>
internal enum RegisterState : byte
{
    /// <summary>Not defined on this path yet.</summary>
    Unset,
    /// <summary>A concrete value in the register file of its class.</summary>
    Green,
    /// <summary>A residual value (in <see cref="ExtensionFrame.Reds"/>).</summary>
    Red,
}
