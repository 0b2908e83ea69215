using System.Reflection;
using PeJit.IR;

namespace PeJit.Backends;

/// <summary>
/// Turns a residual graph into code the process can run. The runtime, <c>PortalJit</c>, the benchmarks and the
/// tests see a backend only through this interface; the shape of the code it makes (a <c>DynamicMethod</c>, a
/// managed stub around native code) and how it is entered are the backend's business, behind
/// <see cref="ICompiledCode"/>.
/// </summary>
/// <remarks>
/// Rules every backend keeps:
/// 1. <see cref="Compile"/> either returns code that behaves as the graph evaluator does on the graph (same
///    result, same exception, same effects), or throws <see cref="BackendException"/>: a deliberate refusal
///    naming the graph and the construct it cannot express. The runtime logs a refusal and the interpreter goes
///    on (a backend that chooses per unit, such as <c>auto</c>, falls back to another backend on it).
/// 2. Any other exception is a defect of the backend: strict mode (<c>PEJIT_STRICT=1</c>, on in every test)
///    makes it fail the call that made the unit hot instead of being logged.
/// 3. A backend is created with the resolver that maps the graph's member references to run-time members.
/// </remarks>
public interface IBackend
{
    /// <summary>The backend's short name, as <c>PEJIT_BACKEND</c> and <c>pejit build --backend</c> spell it (<c>cil</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Compiles <paramref name="graph"/>. <paramref name="owner"/> is the module of the code the graph came from:
    /// the compiled code may touch what that module may touch (the interpreter's private members).
    /// <paramref name="name"/> names the code in stack traces and profilers (null: a name made from the graph's).
    /// </summary>
    /// <exception cref="BackendException">A deliberate refusal: the graph uses what this backend cannot express.</exception>
    ICompiledCode Compile(FlowGraph graph, Module owner, string? name = null);
}
