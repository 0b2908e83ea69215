using System.IO.Compression;
using System.Text;
using PeJit.Specializer.Extension;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// The stored program's compression (<see cref="ExtensionCompression"/>, PeJit's own LZ77 instead of gzip, which costs a
/// fresh process 3-6 ms of preparation to load): every input comes back byte for byte, including the edge cases of the
/// format (empty, shorter than a match, runs that overlap their own output, long literal and match lengths, offsets
/// at the window's end); a stored program of text shrinks; damaged data is refused with a message that says to build
/// again; and a resource an earlier pejit wrote with gzip still reads.
/// </summary>
[TestClass]
public sealed class ExtensionCompressionTests
{
    public static IEnumerable<object[]> Inputs()
    {
        var random = new Random(12);
        byte[] Random(int length) { var bytes = new byte[length]; random.NextBytes(bytes); return bytes; }
        yield return ["empty", Array.Empty<byte>()];
        yield return ["one byte", new byte[] { 7 }];
        yield return ["shorter than a match", "abc"u8.ToArray()];
        yield return ["a run", Enumerable.Repeat((byte)'x', 1000).ToArray()];
        yield return ["a repeated word", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("block3(v1, v2) ", 500)))];
        yield return ["random", Random(5000)];
        yield return ["long literals then a long match", (byte[])[.. Random(300), .. Enumerable.Repeat((byte)1, 600), .. Random(20)]];
        yield return ["a match 65535 back", (byte[])[.. "0123456789"u8.ToArray(), .. Random(65525), .. "0123456789"u8.ToArray(), 5]];
        yield return ["a match 65536 back", (byte[])[.. "0123456789"u8.ToArray(), .. Random(65526), .. "0123456789"u8.ToArray()]];
        yield return ["ends in a match", Encoding.UTF8.GetBytes("abcdefgh abcdefgh abcdefgh")];
    }

    [TestMethod]
    [DynamicData(nameof(Inputs))]
    public void EveryInputComesBackByteForByte(string name, byte[] input)
    {
        var compressed = ExtensionCompression.Compress(input);
        Assert.IsTrue(ExtensionCompression.IsCompressed(compressed), name);
        CollectionAssert.AreEqual(input, ExtensionCompression.Decompress(compressed), name);
    }

    [TestMethod]
    public void StoredTextShrinksAndReadsBackThroughTheSerializer()
    {
        var text = string.Concat(Enumerable.Range(0, 400).Select(i => $"  v{i}:red = add v{i - 1}, v2   ; IL_{i:x4} Interpreter.cs:{i}\n"));
        var stored = ExtensionSerializer.Compress(text);
        Assert.IsLessThan(Encoding.UTF8.GetByteCount(text) / 3, stored.Length, "the stored text shrinks");
        Assert.AreEqual(text, ExtensionSerializer.Decompress(new MemoryStream(stored)));
    }

    [TestMethod]
    public void AGzipResourceOfAnEarlierPejitStillReads()
    {
        var text = "pejit-extension 1\nportal \"x\"\n";
        var gzip = new MemoryStream();
        using (var zip = new GZipStream(gzip, CompressionLevel.SmallestSize, leaveOpen: true)) zip.Write(Encoding.UTF8.GetBytes(text));
        gzip.Position = 0;
        Assert.AreEqual(text, ExtensionSerializer.Decompress(gzip));
    }

    [TestMethod]
    public void DamagedDataIsRefusedWithWhatToDo()
    {
        var compressed = ExtensionCompression.Compress(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("abcdefgh", 100))));
        foreach (var damaged in new[] { compressed[..^3], compressed[..9], [.. compressed, 0, 0] })
        {
            var error = Assert.Throws<InvalidDataException>(() => ExtensionCompression.Decompress(damaged));
            StringAssert.Contains(error.Message, "pejit build");
        }
    }
}
