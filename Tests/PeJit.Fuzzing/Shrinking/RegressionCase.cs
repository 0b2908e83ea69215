using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PeJit.Fuzzing.Differential;
using PeJit.Fuzzing.Languages;

namespace PeJit.Fuzzing.Shrinking;

/// <summary>
/// A shrunk mismatch saved as a program file, <c>&lt;folder&gt;/&lt;language&gt;/&lt;hash&gt;&lt;extension&gt;</c>: a
/// comment header (the configuration it fails in, where it came from, what each side did), then the program.
/// The regression tests run every such file from then on. <c>status: open</c> in the header marks a defect
/// not fixed yet; delete that line when it is.
/// </summary>
public static partial class RegressionCase
{
    /// <summary>The header line that marks a case whose mismatch is not fixed yet.</summary>
    public const string OpenMarker = "status: open";

    /// <summary>The file name for <paramref name="program"/>: the first 12 hex digits of its SHA-256.</summary>
    public static string FileName(FuzzLanguage language, string program) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(program)))[..12].ToLowerInvariant() + language.Extension;

    /// <summary>The text of the case file; <paramref name="origin"/> says where the program came from.</summary>
    public static string Text(FuzzLanguage language, string program, JittedRun mismatch, Behaviour plain, string origin)
    {
        var header = new StringBuilder();
        header.AppendLine($"fuzz regression: configuration {mismatch.Configuration.Name}");
        header.AppendLine(OpenMarker);
        header.AppendLine(origin);
        header.AppendLine($"differs in: {string.Join(", ", mismatch.Differences)}");
        header.AppendLine("plain interpreter:");
        header.AppendLine(Indent(plain.Describe(400)));
        header.AppendLine($"JIT-enabled ({mismatch.Configuration.Name}):");
        header.Append(Indent(mismatch.Behaviour.Describe(400)));
        return language.Comment(header.ToString()) + program;
    }

    /// <summary>Writes the case under <paramref name="folder"/>; returns its path. The same program gives the same file.</summary>
    public static string Write(string folder, FuzzLanguage language, string program, JittedRun mismatch, Behaviour plain, string origin)
    {
        string directory = Path.Combine(folder, language.Name);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName(language, program));
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, Text(language, program, mismatch, plain, origin));
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>The configuration a case file names in its header.</summary>
    public static JitConfiguration ConfigurationOf(string text) =>
        ConfigurationLine().Match(text) is { Success: true } match ? JitConfiguration.Named(match.Groups[1].Value)
            : throw new FormatException("a regression case must name its configuration in a line 'fuzz regression: configuration NAME'");

    /// <summary>Whether the case's mismatch is marked as not fixed yet.</summary>
    public static bool IsOpen(string text) => text.Split('\n').Take(40).Any(l => l.Contains(OpenMarker, StringComparison.Ordinal));

    private static string Indent(string text) => string.Concat(text.Split('\n').Select(l => "    " + l + "\n")).TrimEnd('\n');

    [GeneratedRegex(@"fuzz regression: configuration (\w+)")]
    private static partial Regex ConfigurationLine();
}
