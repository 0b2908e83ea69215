using System.Reflection;

namespace PeJit.Fuzzing.Languages;

/// <summary>
/// A parsed tree-walker program, the green object of its runs: its <c>main</c> function (of the original
/// assembly's types, or of a weaved assembly's) and every loop node in it, by reference. A unit is the
/// program's when its entry is one of these loops.
/// </summary>
public sealed class TreeWalkerProgram
{
    /// <summary>The program's <c>main</c> <c>Function</c>.</summary>
    public object Main { get; }

    /// <summary>Every <c>WhileNode</c> of the program (in every function), by reference.</summary>
    public IReadOnlySet<object> Loops { get; }

    /// <summary>The program whose <c>main</c> is <paramref name="main"/>.</summary>
    public TreeWalkerProgram(object main)
    {
        Main = main;
        Loops = Reachable(main).Where(n => n.GetType().Name == "WhileNode").ToHashSet(ReferenceEqualityComparer.Instance);
    }

    /// <summary>
    /// The tree's objects reachable from <paramref name="root"/> through public fields (nodes, node arrays, a
    /// call's function and its body): read by reflection, since a weaved interpreter's nodes are its own types.
    /// </summary>
    public static IEnumerable<object> Reachable(object root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var work = new Stack<object>();
        work.Push(root);
        while (work.Count > 0)
        {
            var item = work.Pop();
            if (!seen.Add(item)) continue;
            yield return item;
            foreach (var field in item.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                if (field.FieldType.IsValueType || field.FieldType == typeof(string)) continue;
                switch (field.GetValue(item))
                {
                    case Array array:
                        foreach (var element in array)
                            if (element is not null && !element.GetType().IsValueType && element is not string) work.Push(element);
                        break;
                    case { } value:
                        work.Push(value);
                        break;
                }
            }
        }
    }

    /// <summary>The node kinds (the <c>Kind</c> field) of the nodes reachable from <paramref name="root"/>.</summary>
    public static IEnumerable<string> Kinds(object root) =>
        Reachable(root).Select(n => n.GetType().GetField("Kind")?.GetValue(n)?.ToString()).OfType<string>().Distinct();
}
