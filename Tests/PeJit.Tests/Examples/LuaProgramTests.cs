using PeJit.Examples.Lua;
using PeJit.Examples.Lua.Compiler;
using PeJit.Examples.Lua.Syntax;
using PeJit.Examples.Lua.Values;

namespace PeJit.Tests.Examples;

/// <summary>
/// The Lua example's own tests: the lexer, the parser's name resolution, the bytecode compiler, the
/// language's rules (integers and floats, tables, closures, errors with their lines), each bundled
/// program's output, and the hand-written versions printing the same.
/// </summary>
[TestClass]
public sealed class LuaProgramTests
{
    private static string Run(string source, long? n = null)
    {
        var output = new StringWriter();
        Runner.Run(source, output, n);
        return output.ToString();
    }

    private static string Error(string source) => Assert.Throws<LuaError>(() => Run(source)).Value.ToString();

    // What each bundled program prints at its default size (checked against the arithmetic in the comments
    // and, for nbody, the Benchmarks Game's published energies for 1000 steps).
    private static readonly Dictionary<string, string> Expected = new()
    {
        // sum of i % 7 over 1..100000 = 14285 * 21 + 15; sum of i * 0.5 = 0.5 * 100000 * 100001 / 2.
        ["numeric"] = "300000\t2500025000.0\t100002\n",
        ["fib"] = "6765\n",
        ["sieve"] = "9592\t100000\n",
        ["nbody"] = "-0.16907516382852\n-0.16908760523461\n",
        ["strings"] = "88894\t88894\t0\titem1;item2;item3;it\t9;item10000;\n",
        ["polymorphic"] = "260937.5\t100000\n",
        ["errors"] = "68568566\t2000\t571\tline 3: multiple of five: 10000\nfalse\tline 24: attempt to index a nil value\n"
            + "false\tline 26: attempt to add a nil value\nfalse\tplain\ntrue\tfalse\tnil\n",
    };

    [TestMethod]
    public void EveryProgramPrintsWhatItShouldAtItsDefaultSize()
    {
        CollectionAssert.AreEquivalent(Expected.Keys.ToList(), Programs.Names.ToList());
        foreach (var (name, expected) in Expected) Assert.AreEqual(expected, Run(Programs.Source(name)), name);
    }

    [TestMethod]
    public void HandwrittenVersionsPrintWhatTheProgramsPrint()
    {
        CollectionAssert.AreEquivalent(Handwritten.DefaultSizes.Keys.ToList(), Programs.Names.ToList());
        CollectionAssert.AreEquivalent(Programs.MeasureSizes.Keys.ToList(), Programs.Names.ToList());
        foreach (var (name, size) in Handwritten.DefaultSizes)
        {
            var handwritten = new StringWriter();
            Handwritten.Run(name, size, handwritten);
            Assert.AreEqual(Run(Programs.Source(name)), handwritten.ToString(), $"{name} at its default size");
            // And at another size, set through N.
            long other = name == "fib" ? 15 : size / 10 + 3;
            handwritten = new StringWriter();
            Handwritten.Run(name, other, handwritten);
            Assert.AreEqual(Run(Programs.Source(name), other), handwritten.ToString(), $"{name} at N = {other}");
        }
    }

    [TestMethod]
    public void TheSieveOverTheTablesArrayPrintsWhatTheSievePrints()
    {
        // The benchmarks' floor for the JIT-enabled sieve (LuaSieveFloorBenchmarks) computes the same thing.
        foreach (long n in new long[] { 0, 1, 2, 3, 100, 4097, 100000 })
        {
            var floor = new StringWriter();
            Handwritten.SieveOverTableArray(n, floor);
            Assert.AreEqual(Run(Programs.Source("sieve"), n), floor.ToString(), $"N = {n}");
        }
    }

    [TestMethod]
    public void LexerReadsNumbersStringsOperatorsAndSkipsComments()
    {
        var tokens = Lexer.Tokenize("local x = 0x10 + 3.5e1 -- comment\n--[[ long\ncomment ]] y = 'a\\tb' .. \"c\" // 2 ~= #t\n9223372036854775808");
        Assert.AreEqual("local x = 0x10 + 3.5e1 y = \"a\tb\" .. \"c\" // 2 ~= # t 9223372036854775808 <eof>", string.Join(' ', tokens));
        Assert.AreEqual(16L, tokens[3].Integer);
        Assert.AreEqual(35.0, tokens[5].Float);
        Assert.AreEqual(3, tokens[6].Line, "the line counts the long comment's line break");
        Assert.AreEqual(TokenKind.Float, tokens[^2].Kind, "a decimal integer past 64 bits is a float");
        StringAssert.Contains(Assert.Throws<LuaSyntaxException>(() => Lexer.Tokenize("x = 'open\n")).Message, "line 1: unfinished string");
        StringAssert.Contains(Assert.Throws<LuaSyntaxException>(() => Lexer.Tokenize("\n\nx = 3x")).Message, "line 3: malformed number near '3x'");
        StringAssert.Contains(Assert.Throws<LuaSyntaxException>(() => Lexer.Tokenize("x = @")).Message, "line 1: unexpected symbol '@'");
    }

    [TestMethod]
    public void ParserResolvesLocalsUpvaluesAndGlobalsAndKeepsPrecedence()
    {
        var chunk = Parser.Parse("local a = 1\nfunction f(b) return a + b * 2 ^ 3 ^ 2 end\nlocal a = a .. 'x' .. 'y'");
        var assign = (AssignStatement)chunk.Body.Statements[1];
        Assert.IsInstanceOfType<GlobalExpression>(assign.Targets[0]);
        var function = ((FunctionExpression)assign.Values[0]).Body;
        var sum = (BinaryExpression)((ReturnStatement)function.Body.Statements[0]).Values[0];
        Assert.AreEqual("+", sum.Operator);
        Assert.IsInstanceOfType<UpvalueExpression>(sum.Left, "a is the chunk's local, seen from f");
        var product = (BinaryExpression)sum.Right;
        Assert.AreEqual("*", product.Operator);
        Assert.IsInstanceOfType<LocalExpression>(product.Left);
        var power = (BinaryExpression)product.Right;
        Assert.AreEqual("^", power.Operator);
        Assert.IsInstanceOfType<BinaryExpression>(power.Right, "^ is right-associative");
        var first = ((LocalStatement)chunk.Body.Statements[0]).Variables[0];
        Assert.IsTrue(first.Captured, "a local a nested function uses is captured");
        var second = (LocalStatement)chunk.Body.Statements[2];
        var concat = (BinaryExpression)second.Values[0];
        Assert.AreSame(first, ((LocalExpression)concat.Left).Variable, "'local a = a' reads the outer a");
        Assert.IsInstanceOfType<BinaryExpression>(concat.Right, ".. is right-associative");
        Assert.IsFalse(second.Variables[0].Captured);
    }

    [TestMethod]
    public void ParserErrorsGiveTheLine()
    {
        static string Message(string source) => Assert.Throws<LuaSyntaxException>(() => Parser.Parse(source)).Message;
        StringAssert.Contains(Message("if x then\n  y = 1\n"), "line 3: 'end' expected (to close 'if' at line 1) near <eof>");
        StringAssert.Contains(Message("x = = 1"), "line 1: unexpected symbol near =");
        StringAssert.Contains(Message("\nf() = 1"), "line 2: syntax error: cannot assign to this expression");
        StringAssert.Contains(Message("for k, v in pairs(t) do end"), "line 1: only the numeric 'for' is supported");
        StringAssert.Contains(Message("x = 1 y"), "line 1: syntax error near <eof>");
        StringAssert.Contains(Assert.Throws<LuaSyntaxException>(() => BytecodeCompiler.Compile("\nbreak")).Message, "line 2: break outside a loop");
    }

    [TestMethod]
    public void CompilerEmitsRegisterCodeWithBackwardJumpsAndLines()
    {
        var code = BytecodeCompiler.Compile("local s = 0\nfor i = 1, 10 do\n  s = s + i\nend\nwhile s > 0 do s = s - 1 end\nprint(s)");
        string listing = code.Disassemble();
        StringAssert.Contains(listing, "function main (line 0): 0 params");
        var ops = code.Instructions.Select(i => i.Op).ToList();
        CollectionAssert.IsSubsetOf(new[] { OpCode.ForPrepare, OpCode.ForLoop, OpCode.Add, OpCode.Subtract, OpCode.LessThan, OpCode.JumpIfFalse, OpCode.Jump, OpCode.Call, OpCode.GetGlobal }, ops);
        int forLoop = ops.IndexOf(OpCode.ForLoop);
        Assert.IsLessThan(forLoop, code.Instructions[forLoop].B, "ForLoop jumps back to the body");
        Assert.AreEqual(3, code.Lines[ops.IndexOf(OpCode.Add)], "each instruction keeps its source line");
        int jump = ops.LastIndexOf(OpCode.Jump);
        Assert.IsLessThan(jump, code.Instructions[jump].B, "the while loop closes with a backward jump");
        Assert.AreEqual(1, code.Constants.Count(c => c is LuaInteger { Value: 0 }), "constants are shared in the pool");
        // s is a local: the loop's additions read and write its register directly.
        var add = code.Instructions[ops.IndexOf(OpCode.Add)];
        Assert.AreEqual(add.A, add.B);
    }

    [TestMethod]
    public void CompilerGivesCapturedLocalsCellsAndClosuresUpvalues()
    {
        var code = BytecodeCompiler.Compile("local n = 0\nlocal function inc() n = n + 1 return n end\ninc()\nprint(inc())");
        Assert.AreEqual(2, code.Prototypes.Length);
        var inc = code.Prototypes[1];
        Assert.AreEqual("inc", inc.Name);
        Assert.AreEqual(new UpvalueDescriptor(true, 0, "n"), inc.Upvalues[0]);
        Assert.AreEqual(1, code.Main.Cells, "n is captured; inc, which does not call itself, keeps a register");
        Assert.AreEqual("2\n", Run("local n = 0\nlocal function inc() n = n + 1 return n end\ninc()\nprint(inc())"));
    }

    [TestMethod]
    public void IntegersAndFloatsFollowLuaRules()
    {
        Assert.AreEqual("3\t3.0\t1.5\t2.0\t1\t-2\t6\t1\t8.0\t1e+15\t1e+100\t-0.0\n",
            Run("print(1 + 2, 1 + 2.0, 3 / 2, 4 / 2, 7 // 4, -7 // 4, -7 % 3 + 4, 7 % -4 + 2, 2 ^ 3, 1e15, 1e100, -0.0)"));
        Assert.AreEqual("true\ttrue\tfalse\ttrue\ttrue\tfalse\n", Run("print(1 == 1.0, 1 < 1.5, 'a' < 'B', 'a' < 'b', 2 >= 2.0, {} == {})"));
        Assert.AreEqual("-9223372036854775808\t9.2233720368548e+18\n", Run("print(9223372036854775807 + 1, 9223372036854775807 + 1.0)"));
        Assert.AreEqual("1\t4\t7\t10\t2.5\t2.0\t1.5\t1.0\n",
            Run("local s = ''\nfor i = 1, 10, 3 do s = s .. i .. '\\t' end\nfor x = 2.5, 1, -0.5 do s = s .. x .. '\\t' end\nprint(string.sub(s, 1, -2))"));
        Assert.AreEqual("number\tstring\ttable\tfunction\tnil\tboolean\n", Run("print(type(1), type('x'), type({}), type(print), type(nil), type(true))"));
    }

    [TestMethod]
    public void TablesHaveAnArrayPartAndAHashPart()
    {
        Assert.AreEqual("3\t10\t20\t30\tx\t5\tnil\n", Run("local t = {10, 20, 30, k = 'x'}\nt[2.0] = 20\nt[5] = 5\nprint(#t, t[1], t[2], t[3], t.k, t[5], t[4])"));
        // Filling the gap moves the keys after it into the array part.
        Assert.AreEqual("5\t5\n", Run("local t = {1, 2, 3}\nt[5] = 5\nt[4] = 4\nprint(#t, t[5])"));
        Assert.AreEqual("2\n", Run("local t = {1, 2, 3}\nt[3] = nil\nprint(#t)"));
        Assert.AreEqual("line 1: table index is nil", Error("local t = {} t[nil] = 1"));
    }

    [TestMethod]
    public void ClosuresShareCapturedVariablesAndEachLoopTurnGetsItsOwn()
    {
        Assert.AreEqual("1\t2\t12\n", Run("""
            local function counter()
              local n = 0
              return function() n = n + 1 return n end
            end
            local c, d = counter(), counter()
            c()
            local fs = {}
            for i = 1, 3 do fs[i] = function() return i * 10 end end
            print(d(), c(), fs[1]() + 2 - fs[2]() + fs[2]())
            """));
        Assert.AreEqual("120\n", Run("local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end\nprint(fact(5))"));
        Assert.AreEqual("2\t1\tnil\n", Run("local a, b, c = 1, 2\na, b = b, a\nprint(a, b, c)"));
        Assert.AreEqual("6\n", Run("local x = 0\nwhile true do x = x + 1 if x > 5 then break end end\nprint(x)"));
        Assert.AreEqual("b\tnil\t0\n", Run("local t = nil\nprint(nil or 'b', t and t.x, false or 0)"));
    }

    [TestMethod]
    public void RunTimeErrorsNameTheLineOfTheFailingOperation()
    {
        Assert.AreEqual("line 2: attempt to add a nil value", Error("local x = 1\nlocal y = x + nil"));
        Assert.AreEqual("line 3: attempt to multiply a string value", Error("\n\nlocal y = 2 * 'x'"));
        Assert.AreEqual("line 1: attempt to index a number value", Error("local t = 5; local y = t.field"));
        Assert.AreEqual("line 2: attempt to call a nil value", Error("local f\nf()"));
        Assert.AreEqual("line 1: attempt to compare number with string", Error("local b = 1 < 'x'"));
        Assert.AreEqual("line 1: attempt to concatenate a table value", Error("local s = 'a' .. {}"));
        Assert.AreEqual("line 1: attempt to get length of a number value", Error("local n = #5"));
        Assert.AreEqual("line 1: attempt to perform 'n%%0'", Error("local n = 5 % 0"));
        Assert.AreEqual("line 1: attempt to perform 'n//0'", Error("local n = 5 // 0"));
        Assert.AreEqual("line 1: 'for' limit must be a number, not nil", Error("for i = 1, nil do end"));
        Assert.AreEqual("line 4: boom", Error("function f()\n  return 1\nend\nerror('boom')"));
        Assert.AreEqual("line 1: stack overflow", Error("function f() return f() end f()"));
        Assert.AreEqual("line 2: bad argument #1 to 'sqrt' (number expected, got string)", Error("\nlocal r = math.sqrt('x')"));
    }

    [TestMethod]
    public void PcallCatchesErrorsAndPassesResults()
    {
        Assert.AreEqual("true\t3\tnil\n", Run("local ok, v, w = pcall(function(a, b) return a + b end, 1, 2)\nprint(ok, v, w)"));
        Assert.AreEqual("false\tline 1: attempt to add a nil value\n", Run("local ok, e = pcall(function(a) return a + 1 end)\nprint(ok, e)"));
        Assert.AreEqual("false\t42\n", Run("local ok, e = pcall(error, {code = 42})\nprint(ok, e.code)"));
        // An error that nothing catches unwinds every Lua frame and leaves the interpreter.
        Assert.AreEqual("line 3: deep", Error("function f(n)\n  if n == 0 then\n    error('deep')\n  end\n  return f(n - 1)\nend\nf(10)"));
        // After a caught error the program goes on, with its frames intact.
        Assert.AreEqual("false\t7\n", Run("local x = 7\nlocal ok = pcall(function() error('x') end)\nprint(ok, x)"));
    }
}
