using System.Reflection;
using PeJit.IR;

namespace PeJit.Backends;

/// <summary>
/// <c>auto</c>: compiles each graph with the preferred backend (AMD64) when it can express it, else with the
/// fallback (CIL), and reports each refusal with its reason. <see cref="ICompiledCode.Backend"/> of the result
/// names the backend that made it.
/// </summary>
/// <remarks>
/// A refusal of the preferred backend is deliberate (<see cref="BackendException"/>), not a failure: strict mode
/// does not fail on it. Any other exception of the preferred backend is a defect and goes out as itself.
/// </remarks>
public sealed class AutoBackend(IBackend preferred, IBackend fallback, Action<string>? refused = null) : IBackend
{
    /// <inheritdoc/>
    public string Name => "auto";

    /// <inheritdoc/>
    public ICompiledCode Compile(FlowGraph graph, Module owner, string? name = null)
    {
        try
        {
            return preferred.Compile(graph, owner, name);
        }
        catch (BackendException e)
        {
            refused?.Invoke($"pejit: {name ?? graph.Name} is a {fallback.Name} unit: {e.Message}");
            return fallback.Compile(graph, owner, name);
        }
    }
}
