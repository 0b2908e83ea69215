using System.Globalization;
using System.Text;
using PeJit.IR;

namespace PeJit.IR.Text;

/// <summary>
/// Reads the IR's text form (what <see cref="IrPrinter"/> writes; grammar in Docs/ir.md) back into a
/// <see cref="FlowGraph"/>, keeping value, block, region and slot numbers. Names of types and members are
/// kept as text (a parsed graph has no Cecil references). Binding-time annotations after a value's type
/// (<c>green</c>, <c>red</c>) are ignored by <see cref="Parse"/> and read by <see cref="ParseAnnotated"/>.
/// </summary>
public static class IrParser
{
    /// <summary>Parses one function.</summary>
    /// <exception cref="IrParseException">The text is not in the IR's form; the message gives line, column and what was expected.</exception>
    public static FlowGraph Parse(string text)
    {
        var graphs = ParseAll(text);
        if (graphs.Count != 1) throw new IrParseException(1, 1, $"expected exactly one function, found {graphs.Count}");
        return graphs[0];
    }

    /// <summary>Parses every function in <paramref name="text"/>.</summary>
    public static IReadOnlyList<FlowGraph> ParseAll(string text) => ParseAllAnnotated(text).Select(f => f.Graph).ToList();

    /// <summary>
    /// Parses one function printed with binding times (<c>v3: i32 green = add v1, v2</c>, as the analysis prints
    /// annotated graphs), keeping each value's annotation.
    /// </summary>
    /// <exception cref="IrParseException">The text is not in the IR's form.</exception>
    public static AnnotatedFunction ParseAnnotated(string text)
    {
        var functions = ParseAllAnnotated(text);
        if (functions.Count != 1) throw new IrParseException(1, 1, $"expected exactly one function, found {functions.Count}");
        return functions[0];
    }

    /// <summary>
    /// Parses the one annotated function whose header is line <paramref name="start"/> (from 0) of
    /// <paramref name="lines"/>, up to its closing brace: for a file that holds more than IR (the stored extension
    /// program keeps one function per graph and reads each only when it is first needed). Errors give the line
    /// numbers of <paramref name="lines"/>.
    /// </summary>
    /// <exception cref="IrParseException">The function is not in the IR's form.</exception>
    public static AnnotatedFunction ParseAnnotatedAt(string[] lines, int start)
    {
        var parser = new FunctionParser(lines, start);
        var graph = parser.Parse(out _);
        return new AnnotatedFunction(graph, parser.BindingTimes, parser.Annotated);
    }

    /// <summary>Parses every function in <paramref name="text"/>, keeping binding-time annotations.</summary>
    public static IReadOnlyList<AnnotatedFunction> ParseAllAnnotated(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        var functions = new List<AnnotatedFunction>();
        int n = 0;
        while (n < lines.Length)
        {
            if (IsBlank(lines[n])) { n++; continue; }
            var parser = new FunctionParser(lines, n);
            var graph = parser.Parse(out n);
            functions.Add(new AnnotatedFunction(graph, parser.BindingTimes, parser.Annotated));
        }
        return functions;
    }

    private static bool IsBlank(string line) => line.Trim().Length == 0 || line.TrimStart().StartsWith(';');

    /// <summary>A use of a block, checked once the function's blocks are all known.</summary>
    private sealed record BlockReference(int Block, int Line, int Column);

    /// <summary>A set of small non-negative integers.</summary>
    private sealed class IndexSet
    {
        private bool[] members = new bool[64];

        /// <summary>Adds <paramref name="index"/>; false when it was there.</summary>
        public bool Add(int index)
        {
            if (index >= members.Length)
            {
                // Not Array.Resize: Array.Resize<bool> is a generic .NET compiles while a portal is prepared.
                var grown = new bool[Math.Max(members.Length * 2, index + 1)];
                Array.Copy(members, grown, members.Length);
                members = grown;
            }
            if (members[index]) return false;
            members[index] = true;
            return true;
        }

        public bool Contains(int index) => index < members.Length && members[index];
    }

    /// <summary>Parses the text form of a <see cref="VirtualizableFrame"/> (what <see cref="VirtualizableFrame.Print"/> writes).</summary>
    /// <param name="text">The text after the <c>virtualizable</c> keyword.</param>
    /// <param name="line">The line number, for errors.</param>
    public static VirtualizableFrame ParseVirtualizable(string text, int line)
    {
        var cursor = new Cursor(text, line);
        var frame = ParseVirtualizable(cursor);
        return frame;
    }

    private static VirtualizableFrame ParseVirtualizable(Cursor cursor)
    {
        string name = cursor.String();
        bool isSealed = cursor.TryExpect("sealed");
        List<string> List(string keyword)
        {
            cursor.Expect(keyword);
            cursor.Expect("(");
            var items = new List<string>();
            if (cursor.TryExpect(")")) return items;
            do items.Add(cursor.String());
            while (cursor.TryExpect(","));
            cursor.Expect(")");
            return items;
        }
        var bases = List("bases");
        var fields = List("fields");
        var arrays = List("arrays");
        cursor.End();
        return new VirtualizableFrame(name, isSealed, bases, fields, arrays);
    }

    /// <summary>Parses one function from its header line to its closing brace.</summary>
    private sealed class FunctionParser(string[] lines, int first)
    {
        // Sets of indexes and a list of references to a class rather than HashSet<int> and a list of tuples: a
        // JIT-enabled process parses its stored flow graphs when a portal is first prepared, and each framework
        // generic over a value type is code .NET compiles then (ReadyToRun cannot precompile it).
        private FlowGraph graph = null!;
        private readonly IndexSet defined = new();
        private readonly IndexSet declared = new();
        private readonly List<BlockReference> references = [];

        /// <summary>The binding time printed after each annotated value's type (the IR's map: see <see cref="AnnotatedFunction"/>).</summary>
        public ValueMap<string> BindingTimes { get; } = new();

        /// <summary>The annotated values in the order read.</summary>
        public List<Value> Annotated { get; } = [];

        public FlowGraph Parse(out int next)
        {
            var header = new Cursor(lines[first], first + 1);
            header.Expect("function");
            string name = header.String();
            header.Expect("->");
            var returnType = header.Type();
            header.Expect("{");
            header.End();
            graph = new FlowGraph(name, returnType);

            // First pass: how many blocks and values there are, so that forward references work.
            int maxValue = -1, maxBlock = -1, line = first + 1;
            for (; line < lines.Length && !lines[line].AsSpan().Trim().SequenceEqual("}"); line++)
                CountNumbered(lines[line], ref maxValue, ref maxBlock);
            if (line >= lines.Length) throw new IrParseException(first + 1, 1, "the function has no closing '}'; end it with a line holding only '}'");
            for (int b = 0; b <= maxBlock; b++) graph.AddBlock();
            graph.ReserveValues(maxValue + 1);

            Block? current = null;
            for (int l = first + 1; l < line; l++)
            {
                if (IsBlank(lines[l])) continue;
                var cursor = new Cursor(lines[l], l + 1);
                var trimmed = lines[l].AsSpan().TrimStart();
                if (trimmed.StartsWith("virtualizable") && current is null)
                {
                    cursor.Expect("virtualizable");
                    graph.Virtualizables = [.. graph.Virtualizables, ParseVirtualizable(cursor)];
                }
                else if (trimmed.StartsWith("slot") && current is null) ParseSlot(cursor);
                else if (trimmed.StartsWith("region") && current is null) ParseRegion(cursor);
                else if (trimmed.StartsWith("block")) current = ParseBlockHeader(cursor);
                else if (current is { } block) ParseInstruction(cursor, block);
                else throw cursor.Error("an instruction before the first block header; start a block with 'block0:'");
            }
            foreach (var (block, at, column) in references)
                if (!declared.Contains(block))
                    throw new IrParseException(at, column, $"block{block} is used but not defined in this function; add a 'block{block}:' header, or fix the reference");
            next = line + 1;
            return graph;
        }

        /// <summary>
        /// Raises <paramref name="maxValue"/> and <paramref name="maxBlock"/> to the largest <c>vN</c> and
        /// <c>blockN</c> among the words of <paramref name="line"/> (letters and digits; strings and the trailing
        /// comment skipped), without allocating: a stored extension program's flow graphs are parsed while a portal
        /// is prepared, so this runs on every line of them then.
        /// </summary>
        private static void CountNumbered(string line, ref int maxValue, ref int maxBlock)
        {
            bool inString = false;
            int start = -1;
            for (int i = 0; i <= line.Length; i++)
            {
                char c = i < line.Length ? line[i] : ' ';
                if (inString)
                {
                    if (c == '\\') i++;
                    else if (c == '"') inString = false;
                    continue;
                }
                if (char.IsLetterOrDigit(c))
                {
                    if (start < 0) start = i;
                    continue;
                }
                if (start >= 0)
                {
                    var word = line.AsSpan(start, i - start);
                    if (word.Length > 1 && word[0] == 'v' && int.TryParse(word[1..], NumberStyles.None, CultureInfo.InvariantCulture, out int v)) maxValue = Math.Max(maxValue, v);
                    else if (word.StartsWith("block") && int.TryParse(word[5..], NumberStyles.None, CultureInfo.InvariantCulture, out int b)) maxBlock = Math.Max(maxBlock, b);
                    start = -1;
                }
                if (c == '"') inString = true;
                else if (c == ';') break;
            }
        }

        private void ParseSlot(Cursor cursor)
        {
            int index = cursor.Numbered("slot");
            string? name = cursor.OptionalName();
            cursor.Expect(":");
            var type = cursor.Type();
            cursor.End();
            var slot = graph.AddSlot(type, name);
            if (slot.Index != index) throw cursor.Error($"slots must be declared in order: expected slot{slot.Index}");
        }

        private void ParseRegion(Cursor cursor)
        {
            int index = cursor.Numbered("region");
            cursor.Expect(":");
            var data = new RegionData();
            string kind = cursor.Word();
            switch (kind)
            {
                case "catch": data.Kind = RegionKind.Catch; data.CatchType = cursor.Type(); break;
                case "filter": data.Kind = RegionKind.Filter; data.Filter = Block(cursor); break;
                case "finally": data.Kind = RegionKind.Finally; break;
                case "fault": data.Kind = RegionKind.Fault; break;
                default: throw cursor.Error($"expected catch, filter, finally or fault, found '{kind}'");
            }
            cursor.Expect("handler");
            data.Handler = Block(cursor);
            if (cursor.TryExpect("parent")) data.Parent = new Region(cursor.Numbered("region"));
            cursor.End();
            var region = graph.AddRegion(data);
            if (region.Index != index) throw cursor.Error($"regions must be declared in order: expected region{region.Index}");
        }

        private Block Block(Cursor cursor)
        {
            int index = cursor.Numbered("block");
            if (index >= graph.BlockCount) throw cursor.Error($"block{index} is not defined in this function");
            return new Block(index);
        }

        private Block ParseBlockHeader(Cursor cursor)
        {
            var block = Block(cursor);
            if (!declared.Add(block.Index)) throw cursor.Error($"{block} is defined twice");
            if (cursor.TryExpect("("))
            {
                do
                {
                    var (value, type, name) = Definition(cursor);
                    graph.DefineParameter(block, value, type, name);
                }
                while (cursor.TryExpect(","));
                cursor.Expect(")");
            }
            if (cursor.TryExpect("try")) graph[block].Try = new Region(cursor.Numbered("region"));
            if (cursor.TryExpect("handler")) graph[block].HandlerOf = new Region(cursor.Numbered("region"));
            cursor.Expect(":");
            cursor.End();
            return block;
        }

        private (Value Value, IrType Type, string? Name) Definition(Cursor cursor)
        {
            var value = cursor.Value();
            if (!defined.Add(value.Index)) throw cursor.Error($"{value} is defined twice");
            string? name = cursor.OptionalName();
            cursor.Expect(":");
            var type = cursor.Type();
            if (cursor.PeekWord() is "green" or "red")
            {
                if (!BindingTimes.ContainsKey(value)) Annotated.Add(value);
                BindingTimes[value] = cursor.Word();
            }
            return (value, type, name);
        }

        private void ParseInstruction(Cursor cursor, Block block)
        {
            (Value Value, IrType Type, string? Name)? result = null;
            if (cursor.PeekIsValue())
            {
                result = Definition(cursor);
                cursor.Expect("=");
            }
            var (nameColumn, opcodeName) = (cursor.Column, cursor.Word());
            if (!OpcodeInfo.TryParse(opcodeName, out var info))
                throw new IrParseException(cursor.Line, nameColumn, $"unknown opcode '{opcodeName}'; Docs/ir.md lists the opcodes");
            var instruction = new Instruction(info.Opcode);
            var immediates = info.Immediates;
            if ((immediates & ImmediateKinds.Type) != 0) instruction.TypeOperand = cursor.Type();
            if ((immediates & ImmediateKinds.Member) != 0)
            {
                string kind = cursor.Word();
                switch (kind)
                {
                    case "type": instruction.TypeOperand = cursor.Type(); break;
                    case "field": instruction.Field = new FieldRef(cursor.String()); break;
                    case "method": instruction.Method = Method(cursor); break;
                    default: throw cursor.Error($"token takes 'type', 'field' or 'method', not '{kind}'");
                }
            }
            if ((immediates & ImmediateKinds.Method) != 0) instruction.Method = Method(cursor);
            if ((immediates & ImmediateKinds.Field) != 0) instruction.Field = new FieldRef(cursor.String());
            if ((immediates & ImmediateKinds.Slot) != 0) instruction.Slot = new Slot(cursor.Numbered("slot"));
            if ((immediates & ImmediateKinds.Text) != 0) instruction.Text = cursor.String();
            if ((immediates & ImmediateKinds.Number) != 0)
            {
                if (result is null) throw cursor.Error("const must define a value");
                if (result.Value.Type.StackKind == StackKind.Float) instruction.Float = cursor.Float();
                else instruction.Integer = cursor.Integer();
            }
            // Operands, then targets.
            bool first = true;
            while (!cursor.AtEnd)
            {
                if (!first && !cursor.TryExpect(",")) break;
                first = false;
                if (cursor.PeekIsValue()) instruction.Operands.Add(Use(cursor));
                else if (cursor.TryExpect("["))
                {
                    if (!cursor.TryExpect("]"))
                    {
                        do instruction.Targets.Add(Target(cursor));
                        while (cursor.TryExpect(","));
                        cursor.Expect("]");
                    }
                }
                else instruction.Targets.Add(Target(cursor));
            }
            instruction.Location = cursor.Location();
            if (info.Arity >= 0 && instruction.Operands.Count != info.Arity && info.Opcode != Opcode.Return)
                throw cursor.Error($"{info.Name} takes {info.Arity} operand(s), found {instruction.Operands.Count}");
            if (result is { } r) graph.DefineResult(instruction, r.Value, r.Type, r.Name);
            graph[block].Instructions.Add(instruction);
        }

        private Value Use(Cursor cursor)
        {
            var value = cursor.Value();
            if (value.Index >= graph.ValueCount) throw cursor.Error($"{value} is not defined in this function");
            return value;
        }

        private BlockCall Target(Cursor cursor)
        {
            int column = cursor.Column;
            var target = Block(cursor);
            references.Add(new BlockReference(target.Index, cursor.Line, column));
            var arguments = new List<Value>();
            if (cursor.TryExpect("("))
            {
                do arguments.Add(Use(cursor));
                while (cursor.TryExpect(","));
                cursor.Expect(")");
            }
            return new BlockCall(target, arguments);
        }

        private static MethodRef Method(Cursor cursor)
        {
            bool pure = cursor.TryExpect("pure");
            bool readsOnly = cursor.TryExpect("reads");
            List<FieldRef>? stored = null;
            if (cursor.TryExpect("stores"))
            {
                stored = [];
                cursor.Expect("(");
                if (!cursor.TryExpect(")"))
                {
                    do stored.Add(new FieldRef(cursor.String()));
                    while (cursor.TryExpect(","));
                    cursor.Expect(")");
                }
            }
            bool instance = cursor.TryExpect("instance");
            return new MethodRef(cursor.String(), instance) { IsPure = pure, ReadsOnly = readsOnly, StoredFields = stored };
        }
    }

    /// <summary>A position in one line, with the small readers the grammar needs.</summary>
    private sealed class Cursor(string text, int line)
    {
        private static readonly char[] QuoteOrEscape = ['"', '\\'];
        private int position;

        public int Line => line;

        public int Column => position + 1;

        public IrParseException Error(string message) => new(line, position + 1, message);

        private void Skip()
        {
            while (position < text.Length && text[position] == ' ') position++;
        }

        public bool AtEnd
        {
            get
            {
                Skip();
                return position >= text.Length || text[position] == ';';
            }
        }

        public void End()
        {
            if (!AtEnd) throw Error($"unexpected '{text[position..].Trim()}' at the end of the line");
        }

        public bool TryExpect(string token)
        {
            Skip();
            if (string.CompareOrdinal(text, position, token, 0, token.Length) != 0) return false;
            int end = position + token.Length;
            if (char.IsLetter(token[^1]) && end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] == '_')) return false;
            position = end;
            return true;
        }

        public void Expect(string token)
        {
            if (!TryExpect(token))
                throw Error($"expected '{token}', found {(position < text.Length ? $"'{text[position..].Trim()}'" : "the end of the line")}");
        }

        public string Word()
        {
            Skip();
            int start = position;
            while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] is '.' or '_')) position++;
            if (start == position) throw Error($"expected a word, found {(position < text.Length ? $"'{text[position]}'" : "the end of the line")}");
            return text[start..position];
        }

        public string? PeekWord()
        {
            int saved = position;
            try
            {
                Skip();
                return position < text.Length && char.IsLetter(text[position]) ? Word() : null;
            }
            finally
            {
                position = saved;
            }
        }

        public int Numbered(string prefix)
        {
            Skip();
            if (!TryExpectPrefix(prefix)) throw Error($"expected {prefix}N");
            int start = position;
            while (position < text.Length && char.IsDigit(text[position])) position++;
            if (start == position) throw Error($"expected a number after '{prefix}'");
            return int.Parse(text.AsSpan(start, position - start), CultureInfo.InvariantCulture);
        }

        private bool TryExpectPrefix(string prefix)
        {
            if (string.CompareOrdinal(text, position, prefix, 0, prefix.Length) != 0) return false;
            position += prefix.Length;
            return true;
        }

        public bool PeekIsValue()
        {
            Skip();
            return position + 1 < text.Length && text[position] == 'v' && char.IsDigit(text[position + 1]);
        }

        public Value Value() => new(Numbered("v"));

        public string? OptionalName()
        {
            Skip();
            if (position >= text.Length || text[position] != '(') return null;
            int close = text.IndexOf(')', position);
            if (close < 0) throw Error("a name in parentheses is not closed");
            string name = text[(position + 1)..close];
            position = close + 1;
            return name;
        }

        public string String()
        {
            Skip();
            if (position >= text.Length || text[position] != '"') throw Error("expected a string in double quotes");
            position++;
            // Most strings (type and member names) have no escape: one substring, no builder.
            int close = text.IndexOfAny(QuoteOrEscape, position);
            if (close >= 0 && text[close] == '"')
            {
                string plain = text[position..close];
                position = close + 1;
                return plain;
            }
            var value = new StringBuilder();
            while (true)
            {
                if (position >= text.Length) throw Error("the string is not closed; end it with '\"'");
                char c = text[position++];
                if (c == '"') return value.ToString();
                if (c != '\\') { value.Append(c); continue; }
                if (position >= text.Length) throw Error("the string ends in the middle of an escape");
                char escape = text[position++];
                switch (escape)
                {
                    case 'n': value.Append('\n'); break;
                    case 'r': value.Append('\r'); break;
                    case 't': value.Append('\t'); break;
                    case 'u':
                        if (position + 4 > text.Length || !int.TryParse(text.AsSpan(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code))
                            throw Error("\\u takes four hex digits");
                        value.Append((char)code);
                        position += 4;
                        break;
                    default: value.Append(escape); break;
                }
            }
        }

        public IrType Type()
        {
            Skip();
            if (TryExpect("&")) return IrType.ByRef(Type());
            if (TryExpect("*")) return IrType.Pointer(Type());
            string word = Word();
            if (IrType.Keywords.TryGetValue(word, out var keyword)) return keyword;
            switch (word)
            {
                case "class": return IrType.Class(String());
                case "valuetype": return IrType.ValueType(String());
                case "generic": return IrType.GenericParameter(String());
                case "enum":
                {
                    Expect(":");
                    var underlying = Word();
                    if (!IrType.Keywords.TryGetValue(underlying, out var element)) throw Error($"'{underlying}' is not a primitive type for an enum");
                    return IrType.Enum(String(), element);
                }
                default:
                    throw Error($"'{word}' is not a type; write a keyword (i32, f64, string...), class \"Name\", valuetype \"Name\", enum:i32 \"Name\", generic \"T\", &T or *T");
            }
        }

        private string Number()
        {
            Skip();
            int start = position;
            while (position < text.Length && (char.IsLetterOrDigit(text[position]) || text[position] is '-' or '+' or '.')) position++;
            if (start == position) throw Error("expected a number");
            return text[start..position];
        }

        public long Integer()
        {
            string word = Number();
            return long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
                ? value : throw Error($"'{word}' is not an integer");
        }

        public double Float()
        {
            string word = Number();
            return word switch
            {
                "nan" => double.NaN,
                "inf" => double.PositiveInfinity,
                "-inf" => double.NegativeInfinity,
                _ => double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                    ? value : throw Error($"'{word}' is not a float (write digits with a '.', nan, inf or -inf)"),
            };
        }

        /// <summary>The trailing location comment: <c>; IL_001a line 42</c>, <c>; IL_001a</c> or <c>; line 42</c>.</summary>
        public SourceLocation Location()
        {
            Skip();
            if (position >= text.Length) return SourceLocation.None;
            if (text[position] != ';') throw Error($"unexpected '{text[position..].Trim()}'");
            position++;
            int offset = -1, sourceLine = 0;
            var word = NextCommentWord();
            if (word.StartsWith("IL_") && int.TryParse(word[3..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int parsed))
            {
                offset = parsed;
                word = NextCommentWord();
            }
            if (word.SequenceEqual("line") && int.TryParse(NextCommentWord(), CultureInfo.InvariantCulture, out int number))
                sourceLine = number;
            position = text.Length;
            return new SourceLocation(offset, sourceLine);
        }

        private ReadOnlySpan<char> NextCommentWord()
        {
            Skip();
            int start = position;
            while (position < text.Length && text[position] != ' ') position++;
            return text.AsSpan(start, position - start);
        }
    }
}
