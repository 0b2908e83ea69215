using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace PeJit.Benchmarks.Runtime;

/// <summary>
/// One build of an example loaded on its own, with the assemblies beside it (its deps.json says which): so that the
/// plain and the JIT-enabled build of one example, which have the same assembly names, run side by side in one
/// process, each with its own copy of its dependencies (the JIT-enabled one with the PeJit runtime it ships).
/// </summary>
internal sealed class ExampleLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver resolver;

    public ExampleLoadContext(string dll) : base(dll)
    {
        resolver = new AssemblyDependencyResolver(dll);
        EntryPoint = LoadFromAssemblyPath(dll).EntryPoint ?? throw new InvalidOperationException($"{dll} has no entry point");
    }

    /// <summary>The example's <c>Main(string[] args)</c>.</summary>
    public MethodInfo EntryPoint { get; }

    /// <summary>
    /// Runs the example's <c>Main</c> with <paramref name="arguments"/>, its output discarded: <see cref="Console.Out"/>
    /// is <see cref="TextWriter.Null"/> meanwhile, and file descriptor 1 points at /dev/null, since an example may write
    /// to the standard output stream itself; returns its exit code.
    /// </summary>
    public int Run(string[] arguments)
    {
        var output = Console.Out;
        output.Flush();
        Console.SetOut(TextWriter.Null);
        int saved = Dup(StandardOutput);
        int sink = Open("/dev/null", WriteOnly);
        if (saved < 0 || sink < 0) throw new InvalidOperationException("cannot point the standard output at /dev/null");
        Dup2(sink, StandardOutput);
        Close(sink);
        try
        {
            return (int)EntryPoint.Invoke(null, [arguments])!;
        }
        finally
        {
            Dup2(saved, StandardOutput);
            Close(saved);
            Console.SetOut(output);
        }
    }

    private const int StandardOutput = 1, WriteOnly = 1;

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int descriptor);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int from, int to);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPStr)] string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);

    protected override Assembly? Load(AssemblyName name) =>
        resolver.ResolveAssemblyToPath(name) is { } path ? LoadFromAssemblyPath(path) : null;
}
