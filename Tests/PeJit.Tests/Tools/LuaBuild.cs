namespace PeJit.Tests.Tools;

/// <summary>
/// The Lua example JIT-enabled by <c>pejit build</c> with its default options (the default threshold, as users run it: the
/// first unit is the loop a program first gets hot), built once for every test that only reads
/// the output (its woven assembly, its stored program, what the command printed) or runs it in processes of its own.
/// </summary>
internal static class LuaBuild
{
    private static readonly Lazy<(string Folder, string Printed)> Built = new(() =>
    {
        string folder = Directory.CreateTempSubdirectory("pejit-lua-build-").FullName;
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = PeJit.Cli.Program.Run(["build", Original, "-o", folder], output, error);
        Assert.AreEqual(0, exit, error.ToString());
        return (folder, output.ToString());
    });

    /// <summary>The plain Lua interpreter's assembly, the build's input.</summary>
    public static string Original => typeof(PeJit.Examples.Lua.Interpreter).Assembly.Location;

    /// <summary>The output folder: the JIT-enabled <c>Lua.dll</c> and PeJit's run-time assemblies beside it. Read it, do not change it.</summary>
    public static string Folder => Built.Value.Folder;

    /// <summary>The JIT-enabled assembly.</summary>
    public static string Assembly => Path.Combine(Folder, Path.GetFileName(Original));

    /// <summary>What <c>pejit build</c> printed (its standard output).</summary>
    public static string Printed => Built.Value.Printed;
}
