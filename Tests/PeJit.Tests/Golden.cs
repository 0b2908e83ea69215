namespace PeJit.Tests;

/// <summary>
/// Golden files: text a person should be able to read (IR, BTA reports, residual code), kept in the
/// repository and compared exactly. Run the tests with <c>PEJIT_BLESS=1</c> to rewrite them from what the
/// code produces now, then review the diff with git.
/// </summary>
internal static class Golden
{
    /// <summary>True when the tests should rewrite golden files instead of comparing.</summary>
    public static bool Bless => Environment.GetEnvironmentVariable("PEJIT_BLESS") == "1";

    /// <summary>The source folder of the test project (golden files are read and written there, not in bin/).</summary>
    public static string SourceDirectory() => Path.GetDirectoryName(ThisFile())!;

    private static string ThisFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    /// <summary>Compares <paramref name="actual"/> with the golden file at <paramref name="relativePath"/> (under the test project), or rewrites it when blessing.</summary>
    public static void Check(string relativePath, string actual)
    {
        string path = Path.Combine(SourceDirectory(), relativePath);
        actual = actual.Replace("\r\n", "\n");
        if (Bless)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }
        if (!File.Exists(path))
            Assert.Fail($"{relativePath} does not exist. Run the tests with PEJIT_BLESS=1 to create it, then review it.");
        string expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected == actual) return;
        Assert.Fail($"{relativePath} differs from what the code produces (first difference below). If the change is intended, run the tests with PEJIT_BLESS=1 and review the diff.\n{FirstDifference(expected, actual)}");
    }

    private static string FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string x = i < a.Length ? a[i] : "<end of file>";
            string y = i < b.Length ? b[i] : "<end of file>";
            if (x != y) return $"line {i + 1}:\n- {x}\n+ {y}";
        }
        return "(only line endings differ)";
    }
}
