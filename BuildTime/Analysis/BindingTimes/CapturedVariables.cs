using Mono.Cecil;
using Mono.Cecil.Cil;
using PeJit.Analysis.Hints;
using PeJit.Frontend.Construction;

namespace PeJit.Analysis.BindingTimes;

/// <summary>
/// Which captured variables (instance fields of compiler-generated closure classes, the C# compiler's display classes)
/// never change once code that reads them can run, so that a read of one on a green closure is green, as a
/// <c>readonly</c> field's is; and, for each that may change, the write that says so.
/// </summary>
/// <remarks>
/// The C# compiler makes a closure as <c>newobj &lt;&gt;c__DisplayClass::.ctor; stfld x; stfld y; ...; ldftn
/// &lt;M&gt;b__0; newobj Func::.ctor</c>: the captured variables are ordinary mutable fields in IL, but a closure
/// compiler's (<c>var l = Compile(a); var r = Compile(b); return f =&gt; l(f) + r(f);</c>) are written once, before
/// any delegate over the closure exists. Only compiler-generated code can name a display class, so every access to one is
/// one of a few shapes; the rule reads them from the IL.
///
/// A captured field F of a closure class C is fixed when it is written (<c>stfld</c>, or its address taken with
/// <c>ldflda</c>) at least once, and every write W of it:
/// 1. runs only just after the closure was made: every path to W from its method's entry passes a <c>newobj</c> of
///    C, so W writes the closure its own method has just made (a lambda or a nested closure writing the variable
///    it captured reaches W from the entry without one: not fixed);
/// 2. is not reachable, without passing another <c>newobj</c> of C, from an escape of the closure to code that may
///    read F: an <c>ldftn</c>, call or <c>newobj</c> of a method that reads F (a method of a compiler-generated class
///    with an <c>ldfld</c>/<c>ldflda</c> of F, or one that calls, constructs or makes a delegate of such a method,
///    transitively), or a store of the closure into a field (a nested closure's link to its parent, whose methods may
///    read F through it). So a delegate made earlier over the same closure that never reads F (the lambda of a
///    <c>Select</c> that compiles the children) does not stop the children's array from being fixed; a loop that
///    makes a new closure per turn writes each before its delegate exists;
/// 3. if an address (<c>ldflda</c>), is consumed by the call just after it (an <c>out</c> argument: <c>TryGetValue(
///    name, out var fn)</c> with <c>fn</c> captured), whose result is no reference that could keep it.
/// The paths are the IL's own control flow with its exception edges (<see cref="IlPredecessors"/>). A reader runs on
/// the closure only once one of the escapes in rule 2 has happened (nothing else can reach it), so every write of F
/// happens before any read while specializing, and F then has one value for the closure's lifetime.
///
/// Cost: each method body is scanned once; per write, one backward search over its method's instructions (a creator
/// writes a handful of fields); the readers of a field are closed over the callers once, when judged.
/// </remarks>
internal sealed class CapturedVariables
{
    private const string IsByRefLike = "System.Runtime.CompilerServices.IsByRefLikeAttribute";

    // Per captured field: the methods of compiler-generated classes that read it.
    private readonly Dictionary<FieldDefinition, HashSet<MethodDefinition>> readers = [];
    // Per method of a compiler-generated class: the methods of compiler-generated classes that call, construct or make a delegate of it.
    private readonly Dictionary<MethodDefinition, HashSet<MethodDefinition>> callersOf = [];
    private readonly List<Write> writes = [];
    // Judged: per written field, the write that may change it (null: fixed), and the methods that write it.
    private readonly Dictionary<FieldDefinition, Change?> changing = [];
    private readonly Dictionary<FieldDefinition, SortedSet<string>> writers = [];

    // One write, with what may run before it on some path since the closure was made: the methods called or made into
    // delegates (and where), a store of the closure into a field; and whether the method's entry is on such a path.
    private sealed record Write(FieldDefinition Field, MethodDefinition Method, int Offset, string? AddressUse,
        bool FromEntry, List<(MethodDefinition Target, int Offset)> Calls, (string Field, int Offset)? Stored);

    // A write that may change its field: why (CapturedVariable.Kind), the escape before it, and the report's sentence.
    private sealed record Change(string Kind, Write Write, string? Escape, int? EscapeOffset, string Text);

    /// <summary>Records what <paramref name="method"/>'s body reads, writes and calls of closures.</summary>
    public void Scan(MethodDefinition method)
    {
        bool generated = DelegateFamilies.IsCompilerGenerated(method.DeclaringType);
        List<Instruction>? written = null;
        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.OpCode.Code)
            {
                case Code.Ldfld or Code.Ldflda or Code.Stfld when instruction.Operand is FieldReference reference:
                {
                    if (ClassHierarchy.TryResolve(reference) is not { IsStatic: false } field || !DelegateFamilies.IsCompilerGenerated(field.DeclaringType)) break;
                    if (instruction.OpCode.Code != Code.Stfld && generated) Add(readers, field, method);
                    if (instruction.OpCode.Code != Code.Ldfld) (written ??= []).Add(instruction);
                    break;
                }
                case Code.Call or Code.Callvirt or Code.Newobj or Code.Ldftn or Code.Ldvirtftn when generated && instruction.Operand is MethodReference target:
                    if (ClassHierarchy.TryResolve(target) is { } callee && DelegateFamilies.IsCompilerGenerated(callee.DeclaringType)) Add(callersOf, callee, method);
                    break;
            }
        }
        if (written is null) return;
        var flow = new IlPredecessors(method.Body);
        foreach (var write in written) writes.Add(Trace(method, flow, write));
    }

    /// <summary>Judges every write recorded, once every body is scanned (a reader may come later in the scan order).</summary>
    public void Judge()
    {
        var mayRead = new Dictionary<FieldDefinition, HashSet<MethodDefinition>>();
        foreach (var write in writes)
        {
            var field = write.Field;
            if (!writers.TryGetValue(field, out var names)) writers[field] = names = [];
            names.Add(BindingTimeAnalysis.MethodName(write.Method));
            if (changing.TryGetValue(field, out var known) && known is not null) continue;
            if (!mayRead.TryGetValue(field, out var reading)) mayRead[field] = reading = Readers(field);
            changing[field] = Why(write, reading);
        }
        // What the judging needed is not needed again, and the analysis keeps this object until it ends.
        writes.Clear();
        readers.Clear();
        callersOf.Clear();
    }

    /// <summary>True when <paramref name="field"/> is a captured variable judged fixed (see the remarks).</summary>
    public bool IsFixed(FieldDefinition field) => changing.TryGetValue(field, out var why) && why is null;

    /// <summary>Why a read of the captured <paramref name="field"/> is green, or why it is not: the reports' one model of it.</summary>
    public CapturedVariable Explain(FieldDefinition field)
    {
        if (!explained.TryGetValue(field, out var variable)) explained[field] = variable = Judged(field);
        return variable;
    }

    // Per field asked about: what Explain said (a read asks every time it is analyzed in a context).
    private readonly Dictionary<FieldDefinition, CapturedVariable> explained = [];

    private CapturedVariable Judged(FieldDefinition field)
    {
        if (!changing.TryGetValue(field, out var change))
            return new CapturedVariable(field, false, [], "neverWritten", null, null, null, null, "nothing in the analyzed assemblies writes it");
        var names = writers[field].ToList();
        if (change is not null)
            return new CapturedVariable(field, false, names, change.Kind, BindingTimeAnalysis.MethodName(change.Write.Method), change.Write.Offset,
                change.Escape, change.EscapeOffset, change.Text);
        return new CapturedVariable(field, true, names, "fixed", null, null, null, null,
            $"written only by {string.Join(", ", names)}, before any code that reads it can run (a captured variable is fixed once its closure escapes)");
    }

    private static void Add<TKey>(Dictionary<TKey, HashSet<MethodDefinition>> map, TKey key, MethodDefinition method) where TKey : notnull
    {
        if (!map.TryGetValue(key, out var set)) map[key] = set = [];
        set.Add(method);
    }

    // Strategy: a backward search from the write over the predecessors, stopping at a newobj of the closure's class
    // (before it, the variable belongs to another closure), collecting what may run between the closure's making and
    // the write.
    private static Write Trace(MethodDefinition method, IlPredecessors flow, Instruction write)
    {
        var field = ClassHierarchy.TryResolve((FieldReference)write.Operand)!;
        var closure = field.DeclaringType;
        var instructions = method.Body.Instructions;
        var calls = new List<(MethodDefinition, int)>();
        (string, int)? stored = null;
        bool fromEntry = false;
        var seen = new bool[instructions.Count];
        var work = new Stack<int>();
        int start = flow.IndexOf(write);
        if (start == 0) fromEntry = true;
        foreach (int p in flow.Of(start)) work.Push(p);
        while (work.Count > 0)
        {
            int index = work.Pop();
            if (seen[index]) continue;
            seen[index] = true;
            var instruction = instructions[index];
            if (instruction.Operand is MethodReference target && ClassHierarchy.TryResolve(target) is { } callee)
            {
                if (instruction.OpCode.Code == Code.Newobj && callee.DeclaringType == closure) continue;
                if (instruction.OpCode.Code is Code.Call or Code.Callvirt or Code.Newobj or Code.Ldftn or Code.Ldvirtftn)
                    calls.Add((callee, instruction.Offset));
            }
            if (instruction.OpCode.Code is Code.Stfld or Code.Stsfld && instruction.Operand is FieldReference into
                && TypeMapper.TryResolve(into.FieldType) == closure)
                stored ??= (into.Name, instruction.Offset);
            if (index == 0) fromEntry = true;
            foreach (int p in flow.Of(index)) work.Push(p);
        }
        return new Write(field, method, write.Offset, write.OpCode.Code == Code.Ldflda ? AddressUse(write) : null, fromEntry, calls, stored);
    }

    // Null when the address an ldflda takes goes straight into the call after it, which gives back no reference that could keep it.
    private static string? AddressUse(Instruction address)
    {
        if (address.Next is { OpCode.Code: Code.Call or Code.Callvirt or Code.Newobj, Operand: MethodReference call } && !call.ReturnType.IsByReference)
        {
            var made = address.Next.OpCode.Code == Code.Newobj ? call.DeclaringType : call.ReturnType;
            bool keeps = TypeMapper.TryResolve(made) is { } returned && MemberFacts.Has(returned, IsByRefLike);
            if (!keeps) return null;
        }
        return "its address is taken (ldflda) for something other than the call just after it, which may write it at any time";
    }

    // The methods that may read the field on a closure: its readers, and the compiler-generated methods that call them, transitively.
    private HashSet<MethodDefinition> Readers(FieldDefinition field)
    {
        var result = new HashSet<MethodDefinition>();
        var work = new Stack<MethodDefinition>(readers.TryGetValue(field, out var direct) ? direct : []);
        while (work.Count > 0)
        {
            var method = work.Pop();
            if (!result.Add(method)) continue;
            if (callersOf.TryGetValue(method, out var callers)) foreach (var caller in callers) work.Push(caller);
        }
        return result;
    }

    private static Change? Why(Write write, HashSet<MethodDefinition> reading)
    {
        string where = $"{BindingTimeAnalysis.MethodName(write.Method)} writes it at IL_{write.Offset:x4}";
        if (write.FromEntry)
            return new("writtenWithoutMakingTheClosure", write, null, null,
                $"{where}, on a path that does not make the closure first (a lambda or a nested closure assigning the variable it captured), so it may change while a delegate reads it");
        if (write.AddressUse is { } use) return new("addressTaken", write, null, null, $"{where}: {use}");
        if (write.Stored is { } stored)
            return new("writtenAfterStored", write, stored.Field, stored.Offset,
                $"{where}, after the closure is stored into the field {stored.Field} at IL_{stored.Offset:x4} (a nested closure, whose code may read it before)");
        foreach (var (target, offset) in write.Calls)
            if (reading.Contains(target))
            {
                string name = BindingTimeAnalysis.MethodName(target);
                return new("writtenAfterRead", write, name, offset,
                    $"{where}, after IL_{offset:x4} makes a delegate of, or calls, {name}, which reads it: it may change once that code has read it");
            }
        return null;
    }
}
