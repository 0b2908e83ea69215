using PeJit.Backends;
using PeJit.IR;
using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR.Text;
using PeJit.IR.Verification;
using PeJit.Tests.Specializer;

namespace PeJit.Tests.Backends;

/// <summary>
/// The backend cases, shared by every backend (PyPy's <c>backend/test/runner_test.py</c>): each case is a graph
/// parsed from IR text, run compiled by the backend under test and evaluated by the graph evaluator on every
/// combination of sample arguments (<see cref="FileTestValues"/>); same result or same exception type, and the
/// same contents of every array argument afterwards. A backend's test class derives from this one and says how
/// to make the backend; it gets every case, and adds its own (what it refuses, its machine code).
/// </summary>
/// <remarks>Add a case to <see cref="Cases"/> when a backend gets something wrong: every backend then runs it.</remarks>
public abstract class BackendTests
{
    /// <summary>The backend under test, resolving members with <paramref name="resolver"/>.</summary>
    protected abstract IBackend CreateBackend(IMemberResolver resolver);

    /// <summary>
    /// The reason the backend under test gives for refusing the case <paramref name="name"/> (a part of its
    /// <see cref="BackendException"/> message), or null when it compiles the case. A refused case is checked to be
    /// refused with that reason, so a refusal that goes away, or changes, fails.
    /// </summary>
    protected virtual string? ExpectedRefusal(string name) => null;

    /// <summary>Each case: a name, and the IR text of one function.</summary>
    protected static IReadOnlyDictionary<string, string> Cases { get; } = new Dictionary<string, string>
    {
        ["loop"] = """
            function "System.Int64 Demo::Sum(System.Int64)" -> i64 {
            block0(v0 (n): i64):
                v1: i64 = const 0
                jump block1(v1, v1)
            block1(v2 (i): i64, v3 (sum): i64):
                v4: bool = clt v2, v0
                brif v4, block2, block3
            block2:
                v5: i64 = add v3, v2
                v6: i64 = const 1
                v7: i64 = add v2, v6
                jump block1(v7, v5)
            block3:
                ret v3
            }
            """,
        // Slots the optimizer's `slots` pass turned into values stay declared with no use left (the Wasm VM's `sp` and `lsp`
        // passed by ref to an inlined helper): no backend needs memory for them.
        ["unused-slots"] = """
            function "System.Int64 Demo::Sum(System.Int64)" -> i64 {
                slot0 (sp): i32
                slot1 (lsp): i32
            block0(v0 (n): i64):
                v1: i64 = const 0
                jump block1(v1, v1)
            block1(v2 (i): i64, v3 (sum): i64):
                v4: bool = clt v2, v0
                brif v4, block2, block3
            block2:
                v5: i64 = add v3, v2
                v6: i64 = const 1
                v7: i64 = add v2, v6
                jump block1(v7, v5)
            block3:
                ret v3
            }
            """,
        // A slot read and written: memory of the frame's.
        ["used-slot"] = """
            function "System.Int32 Demo::Counted(System.Int32)" -> i32 {
                slot0 (sp): i32
            block0(v0 (n): i32):
                stslot slot0 v0
                v1: i32 = ldslot slot0
                v2: i32 = const 1
                v3: i32 = add v1, v2
                ret v3
            }
            """,
        // A jump that swaps two parameters of its own block: the moves are parallel, not in sequence.
        ["parallel-moves"] = """
            function "System.Int64 Demo::Fibonacci(System.Int32)" -> i64 {
            block0(v0 (n): i32):
                v1: i64 = const 0
                v2: i64 = const 1
                v3: i32 = const 0
                jump block1(v1, v2, v3)
            block1(v4 (a): i64, v5 (b): i64, v6 (i): i32):
                v7: bool = clt v6, v0
                brif v7, block2, block3
            block2:
                v8: i64 = add v4, v5
                v9: i32 = const 1
                v10: i32 = add v6, v9
                jump block1(v5, v8, v10)
            block3:
                ret v4
            }
            """,
        // Both edges of a conditional branch pass arguments, and different ones.
        ["branch-arguments"] = """
            function "System.Int32 Demo::Choose(System.Int32,System.Int32)" -> i32 {
            block0(v0 (a): i32, v1 (b): i32):
                v2: bool = cgt v0, v1
                brif v2, block1(v0, v1), block1(v1, v0)
            block1(v3 (high): i32, v4 (low): i32):
                v5: i32 = const 10
                v6: i32 = mul v3, v5
                v7: i32 = sub v6, v4
                ret v7
            }
            """,
        ["switch"] = """
            function "System.Int32 Demo::Switch(System.Int32)" -> i32 {
            block0(v0 (x): i32):
                switch v0, [block1, block2(v0), block1], block3
            block1:
                v1: i32 = const 100
                ret v1
            block2(v2: i32):
                v3: i32 = const 7
                v4: i32 = add v2, v3
                ret v4
            block3:
                v5: i32 = neg v0
                ret v5
            }
            """,
        // Division and remainder by zero, and MinValue / -1, throw what .NET throws.
        ["division"] = """
            function "System.Int32 Demo::Divide(System.Int32,System.Int32)" -> i32 {
            block0(v0 (a): i32, v1 (b): i32):
                v2: i32 = const -2147483648
                v3: bool = ceq v0, v1
                brif v3, block1, block2
            block1:
                v4: i32 = div v2, v1
                ret v4
            block2:
                v5: i32 = div v0, v1
                v6: i32 = rem v0, v1
                v7: i32 = div.un v0, v1
                v8: i32 = xor v5, v6
                v9: i32 = add v8, v7
                ret v9
            }
            """,
        ["bits-and-shifts"] = """
            function "System.Int64 Demo::Bits(System.Int64,System.Int32)" -> i64 {
            block0(v0 (a): i64, v1 (s): i32):
                v2: i64 = shl v0, v1
                v3: i64 = shr v0, v1
                v4: i64 = shr.un v0, v1
                v5: i64 = and v2, v4
                v6: i64 = or v5, v3
                v7: i64 = not v6
                ret v7
            }
            """,
        // Comparisons of floats, where NaN is unordered: cle and cge are not the complements of cgt and clt.
        ["float-compares"] = """
            function "System.Int32 Demo::Compare(System.Double,System.Double)" -> i32 {
            block0(v0 (a): f64, v1 (b): f64):
                v2: bool = cle v0, v1
                v3: bool = cge.un v0, v1
                v4: bool = cne v0, v1
                v5: i32 = conv v2
                v6: i32 = conv v3
                v7: i32 = conv v4
                v8: i32 = const 2
                v9: i32 = shl v6, v8
                v10: i32 = const 1
                v11: i32 = shl v7, v10
                v12: i32 = or v5, v9
                v13: i32 = or v12, v11
                ret v13
            }
            """,
        ["conversions-and-overflow"] = """
            function "System.Int64 Demo::Convert(System.Int32,System.Int64)" -> i64 {
            block0(v0 (a): i32, v1 (b): i64):
                v2: u32 = conv.ovf.un v0
                v3: i64 = conv v2
                v4: i64 = mul.ovf v1, v3
                v5: u8 = conv v0
                v6: i64 = conv v5
                v7: i64 = add.ovf v4, v6
                ret v7
            }
            """,
        // Element reads and writes: out of bounds and through null throw what .NET throws.
        // A static helper called in a loop, with a narrow one on the way (native code: through the trampoline); it
        // throws for a negative accumulator, which must come out as itself.
        ["helper-call"] = """
            function "System.Int64 Demo::Steps(System.Int64,System.Int32)" -> i64 {
            block0(v0 (x): i64, v1 (n): i32):
                v2: i32 = const 0
                jump block1(v2, v0)
            block1(v3 (i): i32, v4 (acc): i64):
                v5: bool = clt v3, v1
                brif v5, block2, block3
            block2:
                v6: i32 = const 1
                v7: i64 = call "System.Int64 PeJit.Tests.Backends.BackendHelpers::Step(System.Int64,System.Int32)" v4, v6
                v8: i16 = conv v3
                v9: bool = clt v3, v6
                v10: u8 = call "System.Byte PeJit.Tests.Backends.BackendHelpers::Low(System.Int16,System.Boolean)" v8, v9
                v11: i64 = conv v10
                v12: i64 = add v7, v11
                v13: i32 = add v3, v6
                jump block1(v13, v12)
            block3:
                ret v4
            }
            """,
        // Instance calls in a loop on objects the unit gets (native code: through the trampoline, the site making the
        // call on the receiver): a non-virtual call, a virtual call a string overrides, an interface call, each with a
        // null receiver on some samples (NullReferenceException, as the CIL call throws it), and a callee that throws
        // (IndexOf past the string's end) on the longer loops.
        ["instance-calls"] = """
            function "System.Int64 Demo::Calls(System.String,System.Object,System.Int32)" -> i64 {
            block0(v0 (s): string, v1 (o): object, v2 (n): i32):
                v3: i32 = const 0
                v4: i64 = const 0
                jump block1(v3, v4)
            block1(v5 (i): i32, v6 (sum): i64):
                v7: bool = clt v5, v2
                brif v7, block2, block3
            block2:
                v8: u16 = call instance "System.Char System.String::get_Chars(System.Int32)" v0, v3
                v9: i32 = callvirt instance "System.Int32 System.Object::GetHashCode()" v1
                v10: i32 = callvirt instance "System.Int32 System.IComparable::CompareTo(System.Object)" v0, v1
                v11: u16 = const 120
                v12: i32 = callvirt instance "System.Int32 System.String::IndexOf(System.Char,System.Int32)" v0, v11, v5
                v13: i32 = add v8, v9
                v14: i32 = add v13, v10
                v15: i32 = add v14, v12
                v16: i64 = conv v15
                v17: i64 = add v6, v16
                v18: i32 = const 1
                v19: i32 = add v5, v18
                jump block1(v19, v17)
            block3:
                ret v6
            }
            """,
        ["arrays"] = """
            function "System.Int64 Demo::Accumulate(System.Int64[],System.Int32)" -> i64 {
            block0(v0 (a): class "System.Int64[]", v1 (i): i32):
                v2: i64 = ldelem i64 v0, v1
                v3: i64 = const 3
                v4: i64 = mul v2, v3
                stelem i64 v0, v1, v4
                v5: nuint = ldlen v0
                v6: i64 = conv v5
                v7: i64 = add v4, v6
                ret v7
            }
            """,
        // Exits large enough for the CIL backend to outline (ColdCode: 16 instructions): one left to from the loop's
        // branch with arguments, one entered by two edges (the loop's end and the first exit), a small one kept inline,
        // constants and a value from before the loop used in them.
        ["cold-exits"] = """
            function "System.Int64 Demo::ColdExits(System.Int32)" -> i64 {
            block0(v0 (n): i32):
                v1: i64 = conv v0
                v2: i64 = const 0
                v3: i64 = const 3
                v4: i64 = mul v1, v3
                jump block1(v2, v2)
            block1(v5 (i): i64, v6 (sum): i64):
                v7: bool = clt v5, v1
                brif v7, block2, block5(v6, v5)
            block2:
                v8: i64 = const 7
                v9: i64 = rem v5, v8
                v10: i64 = const 6
                v11: bool = ceq v9, v10
                brif v11, block4(v6, v5), block3
            block3:
                v12: i64 = add v6, v5
                v13: i64 = const 1
                v14: i64 = add v5, v13
                jump block1(v14, v12)
            block4(v15: i64, v16: i64):
                v17: i64 = const 11
                v18: i64 = mul v15, v17
                v19: i64 = add v18, v16
                v20: i64 = sub v19, v4
                v21: i64 = const 5
                v22: i64 = xor v20, v21
                v23: i64 = mul v22, v22
                v24: i64 = add v23, v1
                v25: i32 = const 2
                v26: i64 = shr v24, v25
                v27: i64 = add v26, v15
                v28: i64 = const 100
                v29: i64 = rem v27, v28
                v30: i64 = const 50
                v31: bool = clt v29, v30
                brif v31, block5(v27, v16), block6(v29)
            block5(v32: i64, v33: i64):
                v34: i64 = const 1000
                v35: i64 = mul v32, v34
                v36: i64 = add v35, v33
                v37: i64 = sub v36, v4
                v38: i32 = const 3
                v39: i64 = shl v37, v38
                v40: i64 = xor v39, v32
                v41: i64 = add v40, v1
                v42: i64 = const 9
                v43: i64 = mul v41, v42
                v44: i64 = add v43, v33
                v45: i64 = const 17
                v46: i64 = rem v44, v45
                v47: i64 = add v46, v36
                v48: i64 = sub v47, v1
                v49: i64 = add v48, v4
                ret v49
            block6(v50: i64):
                v51: i64 = neg v50
                ret v51
            }
            """,
        // Parameters narrower than their arguments (an int32 into a u8), of blocks entered by one edge, one of them large
        // enough to outline: such a parameter keeps its local (a store into it converts), and the outlined one is reached
        // through its stub block, not called in place. The values are in the parameter's range: the evaluator does not
        // convert at a jump, and the frontend converts before one.
        ["narrowing-parameters"] = """
            function "System.Double Demo::Narrowing(System.Int32,System.Double)" -> f64 {
            block0(v0 (n): i32, v1 (x): f64):
                v2: i32 = const 127
                v3: i32 = and v0, v2
                brif v0, block1(v3, v1), block2(v3, v1, v3)
            block1(v4: u8, v5: f64):
                v7: f64 = conv v4
                v8: f64 = add v5, v7
                ret v8
            block2(v9: u8, v12: f64, v11: i32):
                v13: f64 = conv v9
                v14: f64 = add v12, v13
                v15: f64 = conv v11
                v16: f64 = mul v14, v15
                v17: f64 = add v16, v12
                v18: f64 = sub v17, v13
                v19: f64 = mul v18, v12
                v20: f64 = add v19, v15
                v21: f64 = sub v20, v14
                v22: f64 = mul v21, v13
                v23: f64 = add v22, v12
                v24: f64 = sub v23, v15
                v25: f64 = add v24, v16
                v26: f64 = mul v25, v12
                v27: f64 = add v26, v13
                v28: f64 = sub v27, v15
                ret v28
            }
            """,
        // A large exit left to from a try body: outlined, it is called after the leave, outside the try, so that the
        // division by zero it makes is not caught by the try's handler (n = 1 throws out of the method).
        ["cold-exit-after-leave"] = """
            function "System.Int32 Demo::ColdAfterLeave(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block3
            block0(v0 (n): i32, v1 (d): i32):
                jump block1
            block1 try region0:
                v2: i32 = div v1, v0
                v3: i32 = const 1
                v4: i32 = add v2, v3
                leave block2(v4)
            block2(v5: i32):
                v6: i32 = const 3
                v7: i32 = mul v5, v6
                v8: i32 = add v7, v0
                v9: i32 = sub v8, v1
                v10: i32 = const 5
                v11: i32 = xor v9, v10
                v12: i32 = mul v11, v11
                v13: i32 = add v12, v5
                v14: i32 = const 2
                v15: i32 = shr v13, v14
                v16: i32 = add v15, v0
                v17: i32 = const 7
                v18: i32 = rem v16, v17
                v19: i32 = add v18, v1
                v20: i32 = const 1
                v21: i32 = sub v0, v20
                v22: i32 = div v19, v21
                ret v22
            block3(v23 (e): class "System.DivideByZeroException") handler region0:
                v24: i32 = const -1
                leave block4(v24)
            block4(v25: i32):
                ret v25
            }
            """,
        // A catch region entered at two blocks (a dispatch at the try's start), left by jumps back to the loop
        // head, by a return inside it and by the handler; a division by zero is caught, MinValue / -1 is not.
        ["try-catch"] = """
            function "System.Int32 Demo::Guarded(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block4
            block0(v0 (n): i32, v1 (d): i32):
                v2: i32 = const 0
                jump block1(v2, v2)
            block1(v3 (i): i32, v4 (sum): i32):
                v5: bool = clt v3, v0
                brif v5, block2, block3(v3)
            block2 try region0:
                v6: i32 = div v3, v1
                v7: i32 = add v4, v6
                v8: i32 = const 1
                v9: i32 = add v3, v8
                jump block1(v9, v7)
            block3(v10 (last): i32) try region0:
                v11: i32 = div v4, v10
                ret v11
            block4(v12 (e): class "System.DivideByZeroException") handler region0:
                v13: i32 = const -1
                leave block5(v13)
            block5(v14 (result): i32):
                ret v14
            }
            """,
        // A finally that writes to the array whether the try body returns or throws (null, out of range).
        ["try-finally"] = """
            function "System.Int64 Demo::Marked(System.Int64[],System.Int32)" -> i64 {
                region0: finally handler block3
            block0(v0 (a): class "System.Int64[]", v1 (i): i32):
                v2: i64 = const 5
                jump block1
            block1 try region0:
                v3: i64 = ldelem i64 v0, v1
                v4: i64 = mul v3, v2
                leave block2(v4)
            block2(v5 (result): i64):
                ret v5
            block3 handler region0:
                v6: nuint = ldlen v0
                v7: i32 = conv v6
                v8: i32 = const 1
                v9: i32 = sub v7, v8
                v10: i64 = const 7
                stelem i64 v0, v9, v10
                endfinally
            }
            """,
        // Two catch clauses on one try body (C#'s try {} catch (A) {} catch (B) {}), the method's entry inside
        // it: an exception the first handler rethrows is not caught by the second, as in the IL it came from.
        ["catch-clauses"] = """
            function "System.Int32 Demo::Classify(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block2 parent region1
                region1: catch class "System.ArithmeticException" handler block3
            block0(v0 (a): i32, v1 (b): i32) try region0:
                v2: i32 = div v0, v1
                leave block1(v2)
            block1(v3 (quotient): i32):
                ret v3
            block2(v4 (e): class "System.DivideByZeroException") handler region0:
                rethrow
            block3(v5 (e): class "System.ArithmeticException") handler region1:
                v6: i32 = const -2
                leave block1(v6)
            }
            """,
        // A filter (C#'s catch ... when) that accepts only for a negative dividend, ending at one of two endfilters:
        // a division by zero of a non-negative number escapes, long.MinValue / -1's overflow of a negative one is caught.
        ["try-filter"] = """
            function "System.Int32 Demo::Filtered(System.Int32,System.Int32)" -> i32 {
                region0: filter block3 handler block2
            block0(v0 (a): i32, v1 (b): i32) try region0:
                v2: i32 = div v0, v1
                leave block1(v2)
            block1(v3 (quotient): i32):
                ret v3
            block2(v4 (e): object) handler region0:
                v5: i32 = const -1
                leave block1(v5)
            block3(v6 (e): object) handler region0:
                v7: i32 = const 0
                v8: bool = clt v0, v7
                brif v8, block4, block5
            block4 handler region0:
                v9: i32 = const 1
                endfilter v9
            block5 handler region0:
                endfilter v7
            }
            """,
        // The region shapes above again, in block orders the frontend does not make but the IR allows: a backend must not
        // depend on the graph's order. A catch listed before its try, and the block both leave to listed before the two: the
        // method's IL ends with the exception block, whose end (where ILGenerator's own leaves go) needs an instruction.
        ["handler-first"] = """
            function "System.Int32 Demo::HandlerFirst(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block2
            block0(v0 (a): i32, v1 (b): i32):
                jump block3
            block1(v2 (result): i32):
                ret v2
            block2(v3 (e): class "System.DivideByZeroException") handler region0:
                v4: i32 = const -1
                leave block1(v4)
            block3 try region0:
                v5: i32 = div v0, v1
                leave block1(v5)
            }
            """,
        // The same, the try entered at two blocks (a dispatch at its start): one divides, the other throws what it is given
        // (a continuation's shape, where the frame inside threw; finish15 sorted continuations' blocks for it).
        ["handler-first-two-entries"] = """
            function "System.Int32 Demo::HandlerFirstTwoEntries(System.Int32,System.Int32,System.Object)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block2
            block0(v0 (a): i32, v1 (b): i32, v2 (thrown): object):
                brif v2, block4, block3
            block1(v3 (result): i32):
                ret v3
            block2(v4 (e): class "System.DivideByZeroException") handler region0:
                v5: i32 = const -1
                leave block1(v5)
            block3 try region0:
                v6: i32 = div v0, v1
                leave block1(v6)
            block4 try region0:
                v7: class "System.Exception" = castclass class "System.Exception" v2
                throw v7
            }
            """,
        // A catch that returns and a try that returns, the method's IL ending with their exception block.
        ["handler-first-returns"] = """
            function "System.Int32 Demo::HandlerFirstReturns(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block1
            block0(v0 (a): i32, v1 (b): i32):
                jump block2
            block1(v2 (e): class "System.DivideByZeroException") handler region0:
                v3: i32 = const -1
                ret v3
            block2 try region0:
                v4: i32 = div v0, v1
                ret v4
            }
            """,
        // A void method whose finally is listed before its try, both after the block they leave to.
        ["finally-first-void"] = """
            function "System.Void Demo::FinallyFirstVoid(System.Int64[],System.Int32)" -> void {
                region0: finally handler block2
            block0(v0 (a): class "System.Int64[]", v1 (i): i32):
                jump block3
            block1:
                ret
            block2 handler region0:
                v2: i32 = const 0
                v3: i64 = const 9
                stelem i64 v0, v2, v3
                endfinally
            block3 try region0:
                v4: i64 = ldelem i64 v0, v1
                v5: i64 = const 2
                v6: i64 = mul v4, v5
                stelem i64 v0, v1, v6
                leave block1
            }
            """,
        // A finally listed first, its try's two blocks listed in reverse with the block they leave to between them.
        ["finally-first"] = """
            function "System.Int64 Demo::FinallyFirst(System.Int64[],System.Int32)" -> i64 {
                region0: finally handler block1
            block0(v0 (a): class "System.Int64[]", v1 (i): i32):
                v2: i64 = const 5
                jump block4
            block1 handler region0:
                v3: nuint = ldlen v0
                v4: i32 = conv v3
                v5: i32 = const 1
                v6: i32 = sub v4, v5
                v7: i64 = const 7
                stelem i64 v0, v6, v7
                endfinally
            block2(v8 (result): i64):
                ret v8
            block3 try region0:
                v9: i64 = mul v10, v2
                leave block2(v9)
            block4 try region0:
                v10: i64 = ldelem i64 v0, v1
                jump block3
            }
            """,
        // A try/finally inside a try/catch, listed inside out after the block they leave to: the inner finally (its two
        // ends last), the inner try, the outer catch, and the outer try's own block, which enters the inner try. The
        // finally's write runs on every way out; an index out of range is caught outside, a null array is not.
        ["nested-reversed"] = """
            function "System.Int64 Demo::NestedReversed(System.Int64[],System.Int32)" -> i64 {
                region0: finally handler block2 parent region1
                region1: catch class "System.IndexOutOfRangeException" handler block4
            block0(v0 (a): class "System.Int64[]", v1 (i): i32):
                jump block5
            block1(v2 (result): i64):
                ret v2
            block2 try region1 handler region0:
                v3: i64 = const 9
                v4: i32 = const 0
                v5: nuint = ldlen v0
                v6: i32 = conv v5
                brif v6, block6, block7
            block3(v7 (j): i32) try region0:
                v8: i64 = ldelem i64 v0, v7
                leave block1(v8)
            block4(v9 (e): class "System.IndexOutOfRangeException") handler region1:
                v10: i64 = const -1
                leave block1(v10)
            block5 try region1:
                v11: i32 = const 1
                v12: i32 = sub v1, v11
                jump block3(v12)
            block6 try region1 handler region0:
                stelem i64 v0, v4, v3
                endfinally
            block7 try region1 handler region0:
                endfinally
            }
            """,
        // Two catches nested, listed outer handler, inner handler, inner try, then the outer try's two blocks (the first
        // entered at the method's entry): a division by zero is caught inside and the outer try goes on; an overflow
        // (MinValue / -1) is caught outside; a division by zero after the inner try is caught by neither.
        ["nested-catch-reversed"] = """
            function "System.Int32 Demo::NestedCatchReversed(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block3 parent region1
                region1: catch class "System.OverflowException" handler block2
            block0(v0 (a): i32, v1 (b): i32):
                jump block5
            block1(v2 (result): i32):
                ret v2
            block2(v3 (e): class "System.OverflowException") handler region1:
                v4: i32 = const -2
                leave block1(v4)
            block3(v5 (e): class "System.DivideByZeroException") try region1 handler region0:
                v6: i32 = const 100
                leave block6(v6)
            block4(v7 (x): i32) try region0:
                v8: i32 = div v7, v1
                leave block6(v8)
            block5 try region1:
                v9: i32 = const 3
                v10: i32 = sub v0, v9
                jump block4(v10)
            block6(v11 (partial): i32) try region1:
                v12: i32 = const -2147483648
                v13: i32 = div v12, v11
                leave block1(v13)
            }
            """,
        // A filter whose filter blocks and handler are listed before its try and interleaved (filter entry, handler, the
        // filter's two ends), the block they leave to before all of them.
        ["filter-first"] = """
            function "System.Int32 Demo::FilterFirst(System.Int32,System.Int32)" -> i32 {
                region0: filter block2 handler block3
            block0(v0 (a): i32, v1 (b): i32):
                jump block6
            block1(v2 (quotient): i32):
                ret v2
            block2(v3 (e): object) handler region0:
                v4: i32 = const 0
                v5: bool = clt v0, v4
                brif v5, block4, block5
            block3(v6 (e): object) handler region0:
                v7: i32 = const -1
                leave block1(v7)
            block4 handler region0:
                v8: i32 = const 1
                endfilter v8
            block5 handler region0:
                endfilter v4
            block6 try region0:
                v9: i32 = div v0, v1
                leave block1(v9)
            }
            """,
        // Regions nothing enters (a pass removed the way in): a catch whose try's block no jump reaches, and a finally whose
        // try has no block at all, both listed before the region that runs.
        ["try-never-entered"] = """
            function "System.Int32 Demo::NeverEntered(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block2
                region1: finally handler block3
                region2: catch class "System.DivideByZeroException" handler block5
            block0(v0 (a): i32, v1 (b): i32):
                jump block4
            block1 try region0:
                v2: i32 = div v0, v1
                ret v2
            block2(v3 (e): class "System.DivideByZeroException") handler region0:
                v4: i32 = const -1
                ret v4
            block3 handler region1:
                endfinally
            block4 try region2:
                v5: i32 = rem v0, v1
                leave block6(v5)
            block5(v6 (e): class "System.DivideByZeroException") handler region2:
                v7: i32 = const -3
                leave block6(v7)
            block6(v8 (result): i32):
                ret v8
            }
            """,
        // Nested catches, the inner try entered straight from the method body (past the outer try's start), the inner
        // handler (which overflows into the outer one) listed first.
        ["inner-entered-from-outside"] = """
            function "System.Int32 Demo::InnerEntered(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block1 parent region1
                region1: catch class "System.OverflowException" handler block2
            block0(v0 (a): i32, v1 (b): i32):
                v2: i32 = const 0
                v3: bool = clt v0, v2
                brif v3, block4, block3
            block1(v4 (e): class "System.DivideByZeroException") try region1 handler region0:
                v5: i32 = const -2147483648
                v6: i32 = const -1
                v7: i32 = div v5, v6
                leave block5(v7)
            block2(v8 (e): class "System.OverflowException") handler region1:
                v9: i32 = const -5
                leave block5(v9)
            block3 try region0:
                v10: i32 = div v0, v1
                leave block5(v10)
            block4 try region1:
                v11: i32 = rem v1, v0
                leave block5(v11)
            block5(v12 (result): i32):
                ret v12
            }
            """,
        // A try/finally in a try/finally, both finallies listed first: a leave from the inner try runs both, inner first.
        ["finally-in-finally"] = """
            function "System.Int64 Demo::FinallyInFinally(System.Int64[],System.Int32)" -> i64 {
                region0: finally handler block1 parent region1
                region1: finally handler block2
            block0(v0 (a): class "System.Int64[]", v1 (i): i32):
                jump block4
            block1 try region1 handler region0:
                v2: i32 = const 0
                v3: i64 = ldelem i64 v0, v2
                v4: i64 = const 10
                v5: i64 = mul v3, v4
                stelem i64 v0, v2, v5
                endfinally
            block2 handler region1:
                v6: i32 = const 0
                v7: i64 = ldelem i64 v0, v6
                v8: i64 = const 1
                v9: i64 = add v7, v8
                stelem i64 v0, v6, v9
                endfinally
            block3(v10 (result): i64):
                ret v10
            block4 try region0:
                v11: i64 = ldelem i64 v0, v1
                leave block3(v11)
            }
            """,
        // The try-catch case's loop with its try split by the loop head (outside the try) and the handler between the try's
        // two blocks.
        ["try-split"] = """
            function "System.Int32 Demo::SplitTry(System.Int32,System.Int32)" -> i32 {
                region0: catch class "System.DivideByZeroException" handler block3
            block0(v0 (n): i32, v1 (d): i32):
                v2: i32 = const 0
                jump block2(v2, v2)
            block1 try region0:
                v6: i32 = div v3, v1
                v7: i32 = add v4, v6
                v8: i32 = const 1
                v9: i32 = add v3, v8
                jump block2(v9, v7)
            block2(v3 (i): i32, v4 (sum): i32):
                v5: bool = clt v3, v0
                brif v5, block1, block4(v3)
            block3(v12 (e): class "System.DivideByZeroException") handler region0:
                v13: i32 = const -1
                leave block5(v13)
            block4(v10 (last): i32) try region0:
                v11: i32 = div v4, v10
                ret v11
            block5(v14 (result): i32):
                ret v14
            }
            """,
    };

    /// <summary>The IR text of the case <paramref name="name"/>, for tests outside this hierarchy.</summary>
    public static string CaseText(string name) => Cases[name];

    /// <summary>The names of the cases, as test data.</summary>
    public static IEnumerable<object[]> CaseNames => Cases.Keys.Select(name => new object[] { name });

    /// <summary>Runs the case <paramref name="name"/> compiled and evaluated on every combination of sample arguments.</summary>
    [TestMethod]
    [DynamicData(nameof(CaseNames))]
    public void RunsLikeTheGraphEvaluator(string name)
    {
        var graph = IrParser.Parse(Cases[name]);
        Assert.IsEmpty(Verifier.Verify(graph), $"{name}: {string.Join("\n", Verifier.Verify(graph))}");
        if (ExpectedRefusal(name) is { } reason)
        {
            var refusal = Assert.Throws<BackendException>(() => CreateBackend(new NameResolver()).Compile(graph, typeof(BackendTests).Module));
            StringAssert.Contains(refusal.Message, reason);
            return;
        }
        OptimizerFileTest.AssertCompiledAsEvaluated(graph, CreateBackend);
    }

    /// <summary>The names of the cases with exception regions, as test data.</summary>
    public static IEnumerable<object[]> RegionCaseNames =>
        Cases.Where(c => c.Value.Contains("region0:", StringComparison.Ordinal)).Select(c => new object[] { c.Key });

    /// <summary>
    /// The case <paramref name="name"/>, which has exception regions, with its blocks renumbered in random orders (the
    /// entry stays <c>block0</c>; a graph's order is its blocks' numbers): a backend must not depend on the order a graph
    /// lists its blocks in, which any frontend or pass may choose (handlers before their tries, a try's blocks apart).
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(RegionCaseNames))]
    public void RunsLikeTheGraphEvaluatorInAnyBlockOrder(string name)
    {
        var text = Cases[name];
        int blocks = System.Text.RegularExpressions.Regex.Matches(text, @"^\s*block\d+", System.Text.RegularExpressions.RegexOptions.Multiline).Count;
        var random = new Random(1207 + blocks * 31 + text.Length);
        for (int round = 0; round < 12; round++)
        {
            var order = Enumerable.Range(1, blocks - 1).OrderBy(_ => random.Next()).Prepend(0).ToArray();
            var renumbered = System.Text.RegularExpressions.Regex.Replace(text, @"\bblock(\d+)\b", m => $"block{order[int.Parse(m.Groups[1].Value)]}");
            var graph = IrParser.Parse(renumbered);
            var context = $"{name}, block i renumbered to [{string.Join(", ", order)}][i]";
            Assert.IsEmpty(Verifier.Verify(graph), $"{context}: {string.Join("\n", Verifier.Verify(graph))}");
            if (ExpectedRefusal(name) is { } reason)
            {
                var refusal = Assert.Throws<BackendException>(() => CreateBackend(new NameResolver()).Compile(graph, typeof(BackendTests).Module), context);
                StringAssert.Contains(refusal.Message, reason, context);
                continue;
            }
            try
            {
                OptimizerFileTest.AssertCompiledAsEvaluated(graph, CreateBackend);
            }
            catch (Exception e)
            {
                throw new AssertFailedException($"{context}:\n{renumbered}\n{e.Message}", e);
            }
        }
    }

    /// <summary>A graph of the unit shape is entered with <see cref="ICompiledCode.Run"/>, as the runtime enters units (<see cref="ExpectedRefusal"/> of "unit" for a backend that refuses it).</summary>
    [TestMethod]
    public void AUnitIsEnteredWithRun()
    {
        // Returns constants[0] when state[0] is null; else leaves at exit 0 with state[0] in exit[1].
        var graph = IrParser.Parse("""
            function "System.Object Demo::Unit(System.Object[],System.Object[],System.Object[])" -> object {
            block0(v0 (constants): class "System.Object[]", v1 (exit): class "System.Object[]", v2 (state): class "System.Object[]"):
                v3: i32 = const 0
                v4: object = ldelem object v2, v3
                brif v4, block2, block1
            block1:
                v5: object = ldelem object v0, v3
                ret v5
            block2:
                v6: i32 = const 1
                stelem object v1, v6, v4
                v7: object = box i32 v3
                stelem object v1, v3, v7
                v8: object = null
                ret v8
            }
            """);
        if (ExpectedRefusal("unit") is { } reason)
        {
            var refusal = Assert.Throws<BackendException>(() => CreateBackend(new NameResolver()).Compile(graph, typeof(BackendTests).Module));
            StringAssert.Contains(refusal.Message, reason);
            return;
        }
        var code = CreateBackend(new NameResolver()).Compile(graph, typeof(BackendTests).Module);
        var exit = new object?[2];
        Assert.AreEqual("constant", code.Run(["constant"], exit, [null]));
        Assert.IsNull(exit[0], "returning leaves exit[0] null");
        Assert.IsNull(code.Run(["constant"], exit, ["state"]));
        Assert.AreEqual(0, exit[0]);
        Assert.AreEqual("state", exit[1]);
    }
}
