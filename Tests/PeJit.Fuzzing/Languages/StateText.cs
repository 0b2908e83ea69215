using System.Security.Cryptography;
using System.Text;

namespace PeJit.Fuzzing.Languages;

/// <summary>Formats the state a run leaves in arrays: the cells that are not zero, by index.</summary>
internal static class StateText
{
    /// <summary>Cells listed one by one; past this many, a hash of the array and the first of them.</summary>
    private const int Listed = 200;

    /// <summary><c>name{3: 7, 10: -1}</c>: every cell of <paramref name="cells"/> that is not zero.</summary>
    public static string NonZero<T>(string name, T[] cells) where T : struct, IEquatable<T>
    {
        var nonZero = new List<string>();
        int count = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            if (cells[i].Equals(default)) continue;
            count++;
            if (nonZero.Count < Listed) nonZero.Add($"{i}: {cells[i]}");
        }
        if (count <= Listed) return $"{name}{{{string.Join(", ", nonZero)}}}";
        var bytes = Encoding.UTF8.GetBytes(string.Join(",", cells));
        return $"{name}{{{count} cells not zero, sha256 {Convert.ToHexString(SHA256.HashData(bytes))[..16]}, the first: {string.Join(", ", nonZero)}}}";
    }
}
