using Mono.Cecil;
using PeJit.Specializer.Extension;

namespace PeJit.Generator;

/// <summary>
/// Adds to a <see cref="MemberTable"/> the metadata tokens of the types the JIT-enabled assembly defines itself, and of the
/// type of emitted green accesses (<see cref="ExtensionLinker.AccessorsType"/>): the run time then resolves them by token
/// (<see cref="MemberTableResolver"/>) and parses no type name, whose first time in a process is some 4 ms of .NET compiling
/// the parser's vectorized searches (Docs/PERFORMANCE.md, "Preparation: where its milliseconds went").
/// </summary>
/// <remarks>
/// Weaving keeps every existing type's token (<c>AssemblyWeaver</c> checks it), so the tokens of the module being woven
/// are the output's. The accessors type, added after weaving, gets the row Cecil gives it when it writes the module. The run time checks each token against the name it is stored with and looks the name up
/// when they differ: a wrong token costs time, never a wrong type.
/// </remarks>
public static class MemberTableTokens
{
    /// <summary>Rewrites <paramref name="table"/>'s names of <paramref name="woven"/>'s own types with their tokens; returns it.</summary>
    /// <param name="table">The table of a portal's program (<see cref="MemberTableBuilder.For"/>).</param>
    /// <param name="woven">The module being woven, after everything was added to it.</param>
    public static MemberTable Add(MemberTable table, ModuleDefinition woven)
    {
        string home = woven.Assembly.Name.Name;
        string WithToken(string qualified) => Token(qualified, home, woven) is { } token ? MemberTable.WithToken(token, qualified) : qualified;
        foreach (var (name, qualified) in table.Types.ToList()) table.Types[name] = WithToken(qualified);
        foreach (var (name, field) in table.Fields.ToList()) table.Fields[name] = field with { DeclaringType = WithToken(field.DeclaringType) };
        foreach (var (name, method) in table.Methods.ToList())
            table.Methods[name] = method with { DeclaringType = WithToken(method.DeclaringType), GenericArguments = method.GenericArguments.Select(WithToken).ToList() };
        // Added by GreenAccessEmitter.Finish: it has no token before the module is written. Cecil numbers the types in the
        // order GetTypes lists them (each type, then its nested ones), from 1 (<Module>).
        int row = 1;
        foreach (var type in woven.GetTypes())
        {
            if (type.FullName == ExtensionLinker.AccessorsType)
            {
                table.Types[ExtensionLinker.AccessorsType] = MemberTable.WithToken(0x02000000 | row, ExtensionLinker.AccessorsType + ", " + woven.Assembly.Name.FullName);
                break;
            }
            row++;
        }
        return table;
    }

    /// <summary>The token of the type <paramref name="qualified"/> names when <paramref name="woven"/> defines it (perhaps an array of it); null for any other.</summary>
    private static int? Token(string qualified, string home, ModuleDefinition woven)
    {
        int typeEnd = qualified.IndexOf(',');
        if (typeEnd <= 0) return null;
        int assemblyEnd = qualified.IndexOf(',', typeEnd + 1);
        if (qualified[(typeEnd + 1)..(assemblyEnd < 0 ? qualified.Length : assemblyEnd)].Trim() != home) return null;
        string name = qualified[..typeEnd];
        while (name.EndsWith("[]", StringComparison.Ordinal)) name = name[..^2];
        if (name.IndexOfAny(['[', ']', '&', '*', '\\']) >= 0) return null;
        return woven.GetType(name.Replace('+', '/')) is { } type ? type.MetadataToken.ToInt32() : null;
    }
}
