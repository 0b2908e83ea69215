using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using PeJit.Fuzzing.Languages;
using PeJit.Runtime;

namespace PeJit.Fuzzing.Differential;

/// <summary>
/// A language's interpreter as <c>pejit build</c> JIT-enables it, loaded in process: its portal was rewritten in
/// place, so an interpreted call (the portal calling itself) runs JIT-enabled too, and loops in called functions
/// compile, which a <see cref="PortalJit"/> never does (its compiled copy of the portal calls the original).
/// Its types are its own (an assembly load context of its own), so the languages reach them by reflection.
/// </summary>
public sealed class WeavedInterpreter
{
    /// <summary>The threshold the assembly is built with (<c>pejit build --threshold</c>); <c>PEJIT_THRESHOLD</c> overrides it.</summary>
    public const int Threshold = 3;

    private static readonly ConcurrentDictionary<string, Lazy<WeavedInterpreter>> Built = new();

    private WeavedInterpreter(Assembly assembly, MethodInfo portal)
    {
        Assembly = assembly;
        Portal = portal;
    }

    /// <summary>The JIT-enabled assembly.</summary>
    public Assembly Assembly { get; }

    /// <summary>Its portal, rewritten.</summary>
    public MethodInfo Portal { get; }

    /// <summary>The units its runtime holds (none before the portal first reached a <c>Jit.CanEnterJit</c>).</summary>
    public IReadOnlyList<CompiledUnit> Units => JitRuntime.Find(Portal)?.Cache.Units ?? [];

    /// <summary>The type of the weaved assembly that is <paramref name="type"/> in the original.</summary>
    public Type TypeOf(Type type) => Assembly.GetType(type.FullName!, throwOnError: true)!;

    /// <summary>Runs the portal with <paramref name="arguments"/>; the interpreter's exceptions come out as they are.</summary>
    public object? Invoke(object?[] arguments)
    {
        try
        {
            return Portal.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>The JIT-enabled interpreter of <paramref name="language"/>, built once per process (and its build reused across processes).</summary>
    public static WeavedInterpreter For(FuzzLanguage language) =>
        Built.GetOrAdd(language.Name, _ => new Lazy<WeavedInterpreter>(() => Load(language))).Value;

    private static WeavedInterpreter Load(FuzzLanguage language)
    {
        // 1. pejit build, into a folder named after the original's module version: a rebuilt interpreter gets a new one.
        string original = language.Portal.Module.Assembly.Location;
        string folder = Path.Combine(Path.GetTempPath(), "pejit-fuzzing", $"{language.Name}-{language.Portal.Module.ModuleVersionId:N}-threshold{Threshold}");
        string weaved = Path.Combine(folder, Path.GetFileName(original));
        if (!File.Exists(weaved))
        {
            string staging = folder + ".staging-" + Guid.NewGuid().ToString("N");
            var output = new StringWriter();
            var error = new StringWriter();
            int exit = PeJit.Cli.Program.Run(["build", original, "-o", staging, "--threshold", Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)], output, error);
            if (exit != 0) throw new InvalidOperationException($"pejit build {original} failed ({exit}): {error}{output}");
            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (File.Exists(weaved))
            {
                // Another process built it first.
                Directory.Delete(staging, recursive: true);
            }
        }
        // 2. Load it in a context of its own; PeJit.Runtime and PeJit.Hints come from this process's, so that
        //    the JitRuntime it calls is the one Units reads.
        var context = new AssemblyLoadContext($"pejit-fuzzing-{language.Name}");
        var assembly = context.LoadFromAssemblyPath(weaved);
        var portal = assembly.GetType(language.Portal.DeclaringType!.FullName!, throwOnError: true)!.GetMethod(language.Portal.Name)!;
        return new WeavedInterpreter(assembly, portal);
    }
}
