using PeJit.Specializer.Extension;

namespace PeJit.Tests.Specializer.Extension;

/// <summary>
/// A member table read from the compact binary form decodes a field or method entry when a lookup first names it
/// (<see cref="MemberTable.TryGetField"/>, <see cref="MemberTable.TryGetMethod"/>: a binary search over the stored keys that
/// compares their bytes with the name asked for), and every entry when something enumerates the table. Either way it holds what
/// was written, names beyond ASCII included, whose UTF-8 bytes do not sort as their UTF-16 characters.
/// </summary>
[TestClass]
public sealed class StoredMembersTests
{
    [TestMethod]
    public void EachEntryLookedUpAloneIsTheOneWritten()
    {
        var (_, compiled, table) = ExtensionPrograms.First("Lua");
        AddNonAsciiEntries(table);
        var (_, members) = ExtensionBinary.ReadLazily(ExtensionBinary.Write(compiled, table));

        foreach (var (name, field) in table.Fields)
        {
            Assert.IsTrue(members.TryGetField(name, out var read), $"field {name} is found");
            Assert.AreEqual(field, read, $"field {name}");
        }
        foreach (var (name, method) in table.Methods)
        {
            Assert.IsTrue(members.TryGetMethod(name, out var read), $"method {name} is found");
            Assert.AreEqual((method.DeclaringType, method.Name, method.Signature, string.Join("|", method.GenericArguments)),
                (read.DeclaringType, read.Name, read.Signature, string.Join("|", read.GenericArguments)), $"method {name}");
        }
        foreach (string missing in new[] { "", "!", "System.Int32 A::b", "\uffff", "System.Int32 Lua.\u00e9::x2", table.Methods.Keys.Max(StringComparer.Ordinal) + "~" })
        {
            Assert.IsFalse(members.TryGetField(missing, out _), $"no field '{missing}'");
            Assert.IsFalse(members.TryGetMethod(missing, out _), $"no method '{missing}'");
        }
    }

    [TestMethod]
    public void EnumeratingAStoredTableDecodesEveryEntryOnce()
    {
        var (_, compiled, table) = ExtensionPrograms.First("Lua");
        AddNonAsciiEntries(table);
        var (_, members) = ExtensionBinary.ReadLazily(ExtensionBinary.Write(compiled, table));
        // Some looked up first: enumerating then adds the others, not a second copy of these.
        string someField = table.Fields.Keys.First(), someMethod = table.Methods.Keys.Last();
        Assert.IsTrue(members.TryGetField(someField, out var before));
        Assert.IsTrue(members.TryGetMethod(someMethod, out _));

        CollectionAssert.AreEquivalent(table.Fields.Keys.ToList(), members.Fields.Keys.ToList());
        CollectionAssert.AreEquivalent(table.Methods.Keys.ToList(), members.Methods.Keys.ToList());
        Assert.AreSame(before, members.Fields[someField], "an entry looked up before is kept, not decoded again");
        Assert.IsTrue(members.TryGetField(someField, out var after));
        Assert.AreSame(before, after);
        var text = new System.Text.StringBuilder();
        var written = new System.Text.StringBuilder();
        members.Write(text);
        table.Write(written);
        Assert.AreEqual(written.ToString(), text.ToString(), "the table prints as the one written");
    }

    // Names whose UTF-8 bytes sort otherwise than their characters (U+00E9 is 0xC3 0xA9; U+FF5E is 0xEF 0xBD 0x9E; a
    // supplementary character is a surrogate pair in UTF-16, 0xD8xx, below U+FF5E, but four bytes from 0xF0 in UTF-8).
    private static void AddNonAsciiEntries(MemberTable table)
    {
        foreach (string name in new[] { "System.Int32 Lua.\u00e9::x", "System.Int32 Lua.\uff5e::x", "System.Int32 Lua.\U0001F600::x", "System.Int32 Lua.e::x", "System.Int32 Lua.~::x" })
        {
            table.Fields[name] = new MemberTable.FieldEntry("Lua.Odd, Lua", name[(name.IndexOf("::", StringComparison.Ordinal) + 2)..]);
            table.Methods["System.Void " + name[("System.Int32 ".Length)..] + "()"] = new MemberTable.MethodEntry("Lua.Odd, Lua", "m", "System.Void ()", []);
        }
    }
}
