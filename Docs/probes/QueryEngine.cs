// A query-engine probe (Docs/PERFORMANCE.md, "Two more probes: a query engine and a Scheme"): not built by the solution. To
// try it, put it in a console project (net10.0, implicit usings) that references PeJit.Hints, build, and run `pejit build`
// on the DLL. Written the way a small in-memory SQL engine is: a tokenizer and a recursive-descent parser for
// `SELECT ... FROM t WHERE ... GROUP BY ...`, expressions as a class tree with a virtual `object Eval(object[] row)` (column
// refs, constants, comparisons, arithmetic, AND/OR/NOT, LIKE with % and _), rows as `object[]` of boxed longs, doubles and
// strings, and push-style operators (filter, project, hash aggregate with SUM/COUNT/AVG/MIN/MAX over a Dictionary keyed by a
// group-key class, collect). The hints: the scan loop is the portal, the operator pipeline green, the table's rows red; the
// pipeline's Finish is called by the host after the scan, not in the portal (a unit holding its foreach's try/finally would
// get only the optimizer's region-safe passes).
// Run: `QueryEngine [rows] [rounds]` (100,000 rows and 1 round by default); the results go to stdout, times to stderr.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using PeJit;

// ---- expressions ----

abstract class Expr
{
    public abstract object Eval(object[] row);

    public static bool IsTrue(object v) => v is bool b && b;

    public static int Compare(object a, object b)
    {
        if (a is long x && b is long y) return x.CompareTo(y);
        if (a is string s && b is string t) return string.CompareOrdinal(s, t);
        return ToDouble(a).CompareTo(ToDouble(b));
    }

    public static double ToDouble(object v) => v switch
    {
        long l => l,
        double d => d,
        _ => throw new InvalidOperationException($"not a number: {v}"),
    };
}

sealed class ColumnRef(int index, string name) : Expr
{
    public readonly int Index = index;
    public readonly string Name = name;
    public override object Eval(object[] row) => row[Index];
}

sealed class Constant(object value) : Expr
{
    public readonly object Value = value;
    public override object Eval(object[] row) => Value;
}

enum CmpOp { Eq, Ne, Lt, Le, Gt, Ge }

sealed class Comparison(CmpOp op, Expr left, Expr right) : Expr
{
    public readonly CmpOp Op = op;
    public readonly Expr Left = left, Right = right;

    public override object Eval(object[] row)
    {
        object l = Left.Eval(row), r = Right.Eval(row);
        if (l == null || r == null) return false;
        int c = Compare(l, r);
        switch (Op)
        {
            case CmpOp.Eq: return c == 0;
            case CmpOp.Ne: return c != 0;
            case CmpOp.Lt: return c < 0;
            case CmpOp.Le: return c <= 0;
            case CmpOp.Gt: return c > 0;
            default: return c >= 0;
        }
    }
}

enum ArithOp { Add, Sub, Mul, Div }

sealed class Arithmetic(ArithOp op, Expr left, Expr right) : Expr
{
    public readonly ArithOp Op = op;
    public readonly Expr Left = left, Right = right;

    public override object Eval(object[] row)
    {
        object l = Left.Eval(row), r = Right.Eval(row);
        if (l == null || r == null) return null;
        if (l is long x && r is long y)
        {
            switch (Op)
            {
                case ArithOp.Add: return x + y;
                case ArithOp.Sub: return x - y;
                case ArithOp.Mul: return x * y;
                default: return y == 0 ? null : x / y;
            }
        }
        double a = ToDouble(l), b = ToDouble(r);
        switch (Op)
        {
            case ArithOp.Add: return a + b;
            case ArithOp.Sub: return a - b;
            case ArithOp.Mul: return a * b;
            default: return a / b;
        }
    }
}

sealed class AndExpr(Expr left, Expr right) : Expr
{
    public readonly Expr Left = left, Right = right;
    public override object Eval(object[] row) => IsTrue(Left.Eval(row)) && IsTrue(Right.Eval(row));
}

sealed class OrExpr(Expr left, Expr right) : Expr
{
    public readonly Expr Left = left, Right = right;
    public override object Eval(object[] row) => IsTrue(Left.Eval(row)) || IsTrue(Right.Eval(row));
}

sealed class NotExpr(Expr inner) : Expr
{
    public readonly Expr Inner = inner;
    public override object Eval(object[] row) => !IsTrue(Inner.Eval(row));
}

// LIKE: the pattern split at '%' into parts once, when the query is parsed; '_' matches any one character.
sealed class LikeExpr(Expr input, string pattern) : Expr
{
    public readonly Expr Input = input;
    public readonly string[] Parts = pattern.Split('%');

    public override object Eval(object[] row) => Input.Eval(row) is string s && Matches(s);

    private bool Matches(string s)
    {
        int pos = 0;
        for (int i = 0; i < Parts.Length; i++)
        {
            string part = Parts[i];
            if (i == 0)
            {
                if (!MatchAt(s, 0, part)) return false;
                pos = part.Length;
            }
            else if (i == Parts.Length - 1)
            {
                if (s.Length - part.Length < pos || !MatchAt(s, s.Length - part.Length, part)) return false;
                pos = s.Length;
            }
            else
            {
                int found = Find(s, pos, part);
                if (found < 0) return false;
                pos = found + part.Length;
            }
        }
        return Parts.Length > 1 || pos == s.Length;
    }

    private static int Find(string s, int from, string part)
    {
        for (int i = from; i + part.Length <= s.Length; i++) if (MatchAt(s, i, part)) return i;
        return -1;
    }

    private static bool MatchAt(string s, int at, string part)
    {
        if (at + part.Length > s.Length) return false;
        for (int i = 0; i < part.Length; i++) if (part[i] != '_' && part[i] != s[at + i]) return false;
        return true;
    }
}

// ---- aggregates ----

enum AggKind { Sum, Count, Avg, Min, Max }

abstract class Accumulator
{
    public abstract void Add(object value);
    public abstract object Result();
}

sealed class SumAcc : Accumulator
{
    long longSum; double doubleSum; bool isDouble, any;
    public override void Add(object v)
    {
        if (v == null) return;
        any = true;
        if (v is long l) longSum += l; else { isDouble = true; doubleSum += Expr.ToDouble(v); }
    }
    public override object Result() => !any ? null : isDouble ? doubleSum + longSum : (object)longSum;
}

sealed class CountAcc : Accumulator
{
    long count;
    public override void Add(object v) { if (v != null) count++; }
    public override object Result() => count;
}

sealed class AvgAcc : Accumulator
{
    double sum; long count;
    public override void Add(object v) { if (v != null) { sum += Expr.ToDouble(v); count++; } }
    public override object Result() => count == 0 ? null : sum / count;
}

sealed class MinMaxAcc(bool max) : Accumulator
{
    readonly bool isMax = max;
    object best;
    public override void Add(object v)
    {
        if (v == null) return;
        if (best == null || (isMax ? Expr.Compare(v, best) > 0 : Expr.Compare(v, best) < 0)) best = v;
    }
    public override object Result() => best;
}

sealed class Aggregate(AggKind kind, Expr argument)
{
    public readonly AggKind Kind = kind;
    public readonly Expr Argument = argument; // null for COUNT(*)

    public Accumulator NewAccumulator() => Kind switch
    {
        AggKind.Sum => new SumAcc(),
        AggKind.Count => new CountAcc(),
        AggKind.Avg => new AvgAcc(),
        AggKind.Min => new MinMaxAcc(false),
        _ => new MinMaxAcc(true),
    };
}

// The values of a row's GROUP BY expressions, compared by value.
sealed class GroupKey(object[] values)
{
    public readonly object[] Values = values;

    public override bool Equals(object obj)
    {
        if (obj is not GroupKey other || other.Values.Length != Values.Length) return false;
        for (int i = 0; i < Values.Length; i++) if (!Equals(Values[i], other.Values[i])) return false;
        return true;
    }

    public override int GetHashCode()
    {
        int h = 17;
        foreach (var v in Values) h = h * 31 + (v?.GetHashCode() ?? 0);
        return h;
    }
}

// ---- operators (push-style: each passes the rows it produces to the next) ----

abstract class Operator
{
    public abstract void Push(object[] row);
    public virtual void Finish() { }
}

sealed class Filter(Expr predicate, Operator next) : Operator
{
    public readonly Expr Predicate = predicate;
    public readonly Operator Next = next;
    public override void Push(object[] row) { if (Expr.IsTrue(Predicate.Eval(row))) Next.Push(row); }
    public override void Finish() => Next.Finish();
}

sealed class Project(Expr[] exprs, Operator next) : Operator
{
    public readonly Expr[] Exprs = exprs;
    public readonly Operator Next = next;
    public override void Push(object[] row)
    {
        var result = new object[Exprs.Length];
        for (int i = 0; i < Exprs.Length; i++) result[i] = Exprs[i].Eval(row);
        Next.Push(result);
    }
    public override void Finish() => Next.Finish();
}

sealed class HashAggregate(Expr[] groupBy, Aggregate[] aggregates, Operator next) : Operator
{
    public readonly Expr[] GroupBy = groupBy;
    public readonly Aggregate[] Aggregates = aggregates;
    public readonly Operator Next = next;
    readonly Dictionary<GroupKey, Accumulator[]> groups = new();

    public override void Push(object[] row)
    {
        var values = new object[GroupBy.Length];
        for (int i = 0; i < GroupBy.Length; i++) values[i] = GroupBy[i].Eval(row);
        var key = new GroupKey(values);
        if (!groups.TryGetValue(key, out var accs))
        {
            accs = new Accumulator[Aggregates.Length];
            for (int i = 0; i < accs.Length; i++) accs[i] = Aggregates[i].NewAccumulator();
            groups.Add(key, accs);
        }
        for (int i = 0; i < Aggregates.Length; i++)
        {
            var argument = Aggregates[i].Argument;
            accs[i].Add(argument == null ? 1L : argument.Eval(row));
        }
    }

    public override void Finish()
    {
        foreach (var (key, accs) in groups)
        {
            var row = new object[key.Values.Length + accs.Length];
            key.Values.CopyTo(row, 0);
            for (int i = 0; i < accs.Length; i++) row[key.Values.Length + i] = accs[i].Result();
            Next.Push(row);
        }
        Next.Finish();
    }
}

sealed class Collect : Operator
{
    public readonly List<object[]> Rows = new();
    public override void Push(object[] row) => Rows.Add(row);
}

// ---- the executor: the scan loop, pushing each row of the table through the pipeline ----

sealed class Table(string[] columns, List<object[]> rows)
{
    public readonly string[] Columns = columns;
    public readonly List<object[]> Rows = rows;
}

static class Executor
{
    // The plan is green: the residual code is the pipeline's work on one row, specialized to the query.
    [JitPortal(Greens = ["pipeline"], Reds = ["rows", "i"])]
    public static void Scan(Operator pipeline, List<object[]> rows)
    {
        int i = 0;
        while (true)
        {
            Jit.MergePoint(pipeline, rows, i);
            if (i >= rows.Count) break;
            pipeline.Push(rows[i]);
            i++;
            Jit.CanEnterJit(pipeline, rows, i);
        }
    }
}

// ---- SQL: tokenizer, parser, planner ----

sealed class Parser
{
    readonly List<string> tokens = new();
    int pos;
    readonly Table table;

    public Parser(string sql, Table table)
    {
        this.table = table;
        int i = 0;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            int start = i;
            if (char.IsLetter(c) || c == '_') { while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_')) i++; }
            else if (char.IsDigit(c)) { while (i < sql.Length && (char.IsDigit(sql[i]) || sql[i] == '.')) i++; }
            else if (c == '\'') { i++; while (sql[i] != '\'') i++; i++; }
            else if ((c == '<' || c == '>' || c == '!') && i + 1 < sql.Length && (sql[i + 1] == '=' || sql[i + 1] == '>')) i += 2;
            else i++;
            tokens.Add(sql[start..i]);
        }
    }

    string Peek => pos < tokens.Count ? tokens[pos] : "";
    bool Accept(string word) { if (string.Equals(Peek, word, StringComparison.OrdinalIgnoreCase)) { pos++; return true; } return false; }
    void Expect(string word) { if (!Accept(word)) throw new FormatException($"expected {word} at '{Peek}'"); }

    // SELECT items FROM name [WHERE expr] [GROUP BY exprs]. Aggregate queries select GROUP BY expressions and aggregates.
    public (Operator Root, Collect Output, string[] Header) ParseQuery()
    {
        Expect("SELECT");
        var items = new List<(string Text, Expr Expr, Aggregate Agg)>();
        do items.Add(SelectItem()); while (Accept(","));
        Expect("FROM");
        pos++; // the table's name: one table
        Expr where = Accept("WHERE") ? Or() : null;
        var groupBy = new List<Expr>();
        if (Accept("GROUP")) { Expect("BY"); do groupBy.Add(Or()); while (Accept(",")); }
        if (pos != tokens.Count) throw new FormatException($"unexpected '{Peek}'");

        var output = new Collect();
        Operator root;
        if (groupBy.Count > 0 || items.Any(it => it.Agg != null))
        {
            // The aggregate's rows are the group values then the aggregates; a projection picks the selected order.
            var aggs = items.Where(it => it.Agg != null).Select(it => it.Agg).ToArray();
            var picks = new Expr[items.Count];
            int a = 0;
            for (int k = 0; k < items.Count; k++)
            {
                if (items[k].Agg != null) { picks[k] = new ColumnRef(groupBy.Count + a++, items[k].Text); continue; }
                int g = groupBy.FindIndex(e => e is ColumnRef c && items[k].Expr is ColumnRef d && c.Index == d.Index);
                if (g < 0) throw new FormatException($"{items[k].Text} is neither grouped nor aggregated");
                picks[k] = new ColumnRef(g, items[k].Text);
            }
            root = new HashAggregate(groupBy.ToArray(), aggs, new Project(picks, output));
        }
        else root = new Project(items.Select(it => it.Expr).ToArray(), output);
        if (where != null) root = new Filter(where, root);
        return (root, output, items.Select(it => it.Text).ToArray());
    }

    (string, Expr, Aggregate) SelectItem()
    {
        int start = pos;
        foreach (AggKind kind in Enum.GetValues<AggKind>())
        {
            if (!Accept(kind.ToString())) continue;
            Expect("(");
            Expr argument = Accept("*") ? null : Or();
            Expect(")");
            return (string.Join("", tokens.GetRange(start, pos - start)), null, new Aggregate(kind, argument));
        }
        var e = Or();
        return (string.Join(" ", tokens.GetRange(start, pos - start)), e, null);
    }

    Expr Or() { var e = And(); while (Accept("OR")) e = new OrExpr(e, And()); return e; }
    Expr And() { var e = Not(); while (Accept("AND")) e = new AndExpr(e, Not()); return e; }
    Expr Not() => Accept("NOT") ? new NotExpr(Not()) : Cmp();

    Expr Cmp()
    {
        var e = Sum();
        if (Accept("LIKE")) { string p = Peek; pos++; return new LikeExpr(e, p[1..^1]); }
        CmpOp? op = Peek switch
        {
            "=" => CmpOp.Eq, "<>" or "!=" => CmpOp.Ne, "<" => CmpOp.Lt, "<=" => CmpOp.Le, ">" => CmpOp.Gt, ">=" => CmpOp.Ge, _ => null,
        };
        if (op == null) return e;
        pos++;
        return new Comparison(op.Value, e, Sum());
    }

    Expr Sum()
    {
        var e = Product();
        while (Peek is "+" or "-") { var op = Peek == "+" ? ArithOp.Add : ArithOp.Sub; pos++; e = new Arithmetic(op, e, Product()); }
        return e;
    }

    Expr Product()
    {
        var e = Primary();
        while (Peek is "*" or "/") { var op = Peek == "*" ? ArithOp.Mul : ArithOp.Div; pos++; e = new Arithmetic(op, e, Primary()); }
        return e;
    }

    Expr Primary()
    {
        string t = Peek;
        pos++;
        if (t == "(") { var e = Or(); Expect(")"); return e; }
        if (t.StartsWith('\'')) return new Constant(t[1..^1]);
        if (char.IsDigit(t[0]))
            return t.Contains('.') ? new Constant(double.Parse(t, CultureInfo.InvariantCulture)) : new Constant(long.Parse(t, CultureInfo.InvariantCulture));
        int index = Array.FindIndex(table.Columns, c => string.Equals(c, t, StringComparison.OrdinalIgnoreCase));
        if (index < 0) throw new FormatException($"no column '{t}'");
        return new ColumnRef(index, t);
    }
}

static class Program
{
    static readonly string[] Queries =
    [
        "SELECT COUNT(*) FROM orders WHERE qty > 5 AND price < 50.0",
        "SELECT category, SUM(qty), COUNT(*), AVG(price) FROM orders WHERE region <> 'north' GROUP BY category",
        "SELECT region, MAX(price * qty), MIN(qty) FROM orders WHERE name LIKE 'item_1%' OR qty * 2 + 1 >= 19 GROUP BY region",
        "SELECT SUM(qty) FROM orders WHERE NOT (category = 'toys' OR price > 90.0) AND id - id / 3 * 3 = 1",
    ];

    static Table Generate(int n)
    {
        var rnd = new Random(7);
        string[] categories = ["books", "toys", "food", "tools", "games", "music"];
        string[] regions = ["north", "south", "east", "west"];
        var rows = new List<object[]>(n);
        for (long id = 0; id < n; id++)
            rows.Add([id, categories[rnd.Next(categories.Length)], regions[rnd.Next(regions.Length)], "item" + rnd.Next(100000),
                      Math.Round(rnd.NextDouble() * 100, 2), (long)rnd.Next(1, 11)]);
        return new Table(["id", "category", "region", "name", "price", "qty"], rows);
    }

    static string Format(object v) => v switch
    {
        null => "NULL",
        double d => d.ToString("F4", CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    };

    static int Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        int rounds = args.Length > 1 ? int.Parse(args[1]) : 1;
        var table = Generate(n);
        var total = Stopwatch.StartNew();
        foreach (var sql in Queries)
        {
            var sw = Stopwatch.StartNew();
            var sb = new StringBuilder();
            for (int round = 0; round < rounds; round++)
            {
                var (root, output, header) = new Parser(sql, table).ParseQuery();
                Executor.Scan(root, table.Rows);
                // Outside the portal: the aggregate's Finish iterates its Dictionary in a try/finally, and a unit holding an
                // exception region (the code after the loop is in the loop's unit) gets only the optimizer's region-safe passes.
                root.Finish();
                if (round > 0) continue;
                sb.AppendLine(sql);
                sb.AppendLine("  " + string.Join(" | ", header));
                foreach (var row in output.Rows.OrderBy(r => Format(r[0]), StringComparer.Ordinal))
                    sb.AppendLine("  " + string.Join(" | ", row.Select(Format)));
            }
            Console.Write(sb);
            Console.Error.WriteLine($"{sw.ElapsedMilliseconds} ms: {sql}");
        }
        Console.Error.WriteLine($"total {total.ElapsedMilliseconds} ms");
        return 0;
    }
}
