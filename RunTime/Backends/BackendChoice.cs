using PeJit.Backends.Amd64;
using PeJit.Backends.Cil;
using PeJit.IR.Semantics;

namespace PeJit.Backends;

/// <summary>Makes the backend a name chooses (<c>pejit build --backend</c>, <c>PEJIT_BACKEND</c>): <c>cil</c>, <c>amd64</c> or <c>auto</c>.</summary>
public static class BackendChoice
{
    /// <summary>The names accepted.</summary>
    public static readonly IReadOnlyList<string> Names = ["cil", "amd64", "auto"];

    /// <summary>
    /// The backend named <paramref name="name"/>; <paramref name="refused"/> hears each unit <c>auto</c> gives to the
    /// CIL backend and why, <paramref name="disassembly"/> each AMD64 unit's disassembly.
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of <see cref="Names"/>.</exception>
    public static IBackend Create(string name, IMemberResolver resolver, Action<string>? refused = null, Action<string>? disassembly = null) =>
        name.ToLowerInvariant() switch
        {
            "cil" => new CilBackend(resolver),
            "amd64" => new Amd64Backend(disassembly, resolver),
            "auto" => new AutoBackend(new Amd64Backend(disassembly, resolver), new CilBackend(resolver), refused),
            _ => throw new ArgumentException($"the backend '{name}' is not known; use {string.Join(", ", Names)}", nameof(name)),
        };
}
