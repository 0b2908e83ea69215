using PeJit.IR.Evaluation;
using PeJit.IR.Semantics;
using PeJit.IR;

namespace PeJit.IR.Semantics;

/// <summary>
/// CIL's arithmetic, comparisons and conversions on concrete values, shared by the graph evaluator and the
/// specializer (which runs green operations). Values are kept in CIL's stack form: every Int32-class value
/// (bool, char, small integers, enums over them) as <c>int</c>, int64 as <c>long</c>, native ints as
/// <c>nint</c>, floats as <c>float</c>/<c>double</c>, references as themselves, value types boxed.
/// </summary>
public static class ValueSemantics
{
    /// <summary>A CLR value as the stack form of <paramref name="type"/>.</summary>
    public static object? Normalize(object? value, IrType type)
    {
        if (value is null) return null;
        return type.StackKind switch
        {
            StackKind.Int32 => value switch
            {
                int i => i, bool b => b ? 1 : 0, char c => (int)c, sbyte s => (int)s, byte u => (int)u,
                short s => (int)s, ushort u => (int)u, uint u => unchecked((int)u),
                Enum e => unchecked((int)System.Convert.ToInt64(e)),
                _ => value,
            },
            StackKind.Int64 => value switch
            {
                long l => l, ulong u => unchecked((long)u), Enum e => System.Convert.ToInt64(e), _ => value,
            },
            StackKind.NativeInt => value switch { nint n => n, nuint u => unchecked((nint)u), _ => value },
            _ => value,
        };
    }

    /// <summary>A stack-form value as an instance of <paramref name="target"/>, for a reflection call or a field.</summary>
    public static object? ToClr(object? value, Type target)
    {
        if (value is null || target.IsInstanceOfType(value)) return value;
        if (target.IsEnum) return Enum.ToObject(target, value is int i ? i : (long)value);
        return value switch
        {
            int i when target == typeof(bool) => i != 0,
            int i when target == typeof(char) => (char)i,
            int i when target == typeof(sbyte) => unchecked((sbyte)i),
            int i when target == typeof(byte) => unchecked((byte)i),
            int i when target == typeof(short) => unchecked((short)i),
            int i when target == typeof(ushort) => unchecked((ushort)i),
            int i when target == typeof(uint) => unchecked((uint)i),
            long l when target == typeof(ulong) => unchecked((ulong)l),
            nint n when target == typeof(nuint) => unchecked((nuint)n),
            _ => value,
        };
    }

    /// <summary>A new box holding <paramref name="value"/> (boxed primitives are otherwise shared between values, which <c>box</c> must not do).</summary>
    public static object? FreshBox(object? value) => value switch
    {
        null => null,
        int i => Box(i), long l => Box(l), bool b => Box(b), char c => Box(c), double d => Box(d),
        float f => Box(f), byte u => Box(u), sbyte s => Box(s), short s => Box(s), ushort u => Box(u),
        uint u => Box(u), ulong u => Box(u), nint n => Box(n), nuint u => Box(u),
        _ => System.Runtime.CompilerServices.RuntimeHelpers.GetObjectValue(value),
    };

    // Not inlined: RyuJIT folds box(unbox(x)) back to x, which would hand out the same box again.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static object Box<T>(T value) where T : struct => value;

    /// <summary>What <c>brif</c> sees: non-zero integers and non-null references are true.</summary>
    public static bool IsTrue(object? value) => value switch
    {
        null => false, int i => i != 0, long l => l != 0, nint n => n != 0, _ => true,
    };

    /// <summary>Runs a pure arithmetic, comparison or conversion instruction.</summary>
    /// <param name="opcode">The operation.</param>
    /// <param name="operands">Operand values in stack form.</param>
    /// <param name="resultType">The result's type.</param>
    /// <param name="operandsAreReferences">True when the operands are object references (a boxed int compared
    /// with <c>ceq</c> is compared by identity, not by value).</param>
    public static object? Pure(Opcode opcode, IReadOnlyList<object?> operands, IrType resultType, bool operandsAreReferences = false)
    {
        if (operandsAreReferences && opcode is Opcode.Ceq or Opcode.Cne or Opcode.CgtUn)
        {
            bool same = ReferenceEquals(operands[0], operands[1]);
            return (opcode switch { Opcode.Ceq => same, Opcode.Cne => !same, _ => !same && operands[0] is not null }) ? 1 : 0;
        }
        switch (opcode)
        {
            case Opcode.Neg or Opcode.Not or Opcode.CheckFinite:
                return Unary(opcode, operands[0]!);
            case Opcode.Conv or Opcode.ConvUn or Opcode.ConvOvf or Opcode.ConvOvfUn:
                return Normalize(Convert(opcode, operands[0]!, resultType), resultType);
            case Opcode.Ceq or Opcode.Cne or Opcode.Clt or Opcode.Cle or Opcode.Cgt or Opcode.Cge
                or Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn:
                return Compare(opcode, operands[0], operands[1]) ? 1 : 0;
            default:
                return Binary(opcode, operands[0]!, operands[1]!, resultType);
        }
    }

    private static object Unary(Opcode opcode, object value) => (opcode, value) switch
    {
        (Opcode.Neg, int i) => (object)unchecked(-i),
        (Opcode.Neg, long l) => unchecked(-l),
        (Opcode.Neg, nint n) => unchecked(-n),
        (Opcode.Neg, float f) => -f,
        (Opcode.Neg, double d) => -d,
        (Opcode.Not, int i) => ~i,
        (Opcode.Not, long l) => ~l,
        (Opcode.Not, nint n) => ~n,
        (Opcode.CheckFinite, double d) => double.IsFinite(d) ? (object)d : throw new ArithmeticException("Number is not a finite value."),
        (Opcode.CheckFinite, float f) => float.IsFinite(f) ? (object)f : throw new ArithmeticException("Number is not a finite value."),
        _ => throw new EvaluationException($"{opcode} of a {value.GetType().Name} is not supported while specializing"),
    };

    private static object Binary(Opcode opcode, object left, object right, IrType resultType)
    {
        if (left is double or float || right is double or float)
        {
            double result = FloatBinary(opcode, ToDouble(left), ToDouble(right));
            return resultType.Kind == TypeKind.F32 ? (object)(float)result : result;
        }
        if (opcode is Opcode.Shl or Opcode.Shr or Opcode.ShrUn)
        {
            int amount = right is int s ? s : (int)(nint)right;
            return left switch
            {
                int i => (object)ShiftInt32(opcode, i, amount),
                long l => (object)ShiftInt64(opcode, l, amount),
                nint n => (object)ShiftNative(opcode, n, amount),
                _ => throw new EvaluationException($"shift of a {left.GetType().Name} is not supported while specializing"),
            };
        }
        if (left is long || right is long) return Int64(opcode, ToInt64(left), ToInt64(right));
        if (left is nint || right is nint) return (nint)Int64(opcode, ToInt64(left), ToInt64(right));
        return Int32(opcode, (int)left, (int)right);
    }

    /// <summary>Float arithmetic (<c>add</c>, <c>sub</c>, <c>mul</c>, <c>div</c>, <c>rem</c>) in double; a float32 result is this rounded.</summary>
    public static double FloatBinary(Opcode opcode, double a, double b) => opcode switch
    {
        Opcode.Add => a + b, Opcode.Sub => a - b, Opcode.Mul => a * b, Opcode.Div => a / b, Opcode.Rem => a % b,
        _ => throw new EvaluationException($"{opcode} of floats is not supported while specializing"),
    };

    /// <summary>A shift (<c>shl</c>, <c>shr</c>, <c>shr.un</c>) of an int32.</summary>
    public static int ShiftInt32(Opcode opcode, int i, int amount) =>
        opcode switch { Opcode.Shl => i << amount, Opcode.Shr => i >> amount, _ => (int)((uint)i >> amount) };

    /// <summary>A shift (<c>shl</c>, <c>shr</c>, <c>shr.un</c>) of an int64.</summary>
    public static long ShiftInt64(Opcode opcode, long l, int amount) =>
        opcode switch { Opcode.Shl => l << amount, Opcode.Shr => l >> amount, _ => (long)((ulong)l >> amount) };

    /// <summary>A shift (<c>shl</c>, <c>shr</c>, <c>shr.un</c>) of a native int.</summary>
    public static nint ShiftNative(Opcode opcode, nint n, int amount) =>
        opcode switch { Opcode.Shl => n << amount, Opcode.Shr => n >> amount, _ => (nint)((nuint)n >> amount) };

    // The operands are reinterpreted, not converted: inside checked(...) a cast of a negative operand to an unsigned
    // type would itself throw OverflowException, where add.ovf.un, sub.ovf.un and mul.ovf.un throw only when the
    // unsigned result does not fit.
    private static int UnsignedAdd(int a, int b) => unchecked((int)checked(unchecked((uint)a) + unchecked((uint)b)));
    private static int UnsignedSub(int a, int b) => unchecked((int)checked(unchecked((uint)a) - unchecked((uint)b)));
    private static int UnsignedMul(int a, int b) => unchecked((int)checked(unchecked((uint)a) * unchecked((uint)b)));
    private static long UnsignedAdd(long a, long b) => unchecked((long)checked(unchecked((ulong)a) + unchecked((ulong)b)));
    private static long UnsignedSub(long a, long b) => unchecked((long)checked(unchecked((ulong)a) - unchecked((ulong)b)));
    private static long UnsignedMul(long a, long b) => unchecked((long)checked(unchecked((ulong)a) * unchecked((ulong)b)));

    /// <summary>Integer arithmetic on int32 operands (wrapping, checked or unsigned as the opcode says).</summary>
    public static int Int32(Opcode opcode, int a, int b) => opcode switch
    {
        Opcode.Add => unchecked(a + b), Opcode.Sub => unchecked(a - b), Opcode.Mul => unchecked(a * b),
        Opcode.Div => a / b, Opcode.DivUn => (int)((uint)a / (uint)b), Opcode.Rem => a % b, Opcode.RemUn => (int)((uint)a % (uint)b),
        Opcode.And => a & b, Opcode.Or => a | b, Opcode.Xor => a ^ b,
        Opcode.AddOvf => checked(a + b), Opcode.AddOvfUn => UnsignedAdd(a, b),
        Opcode.SubOvf => checked(a - b), Opcode.SubOvfUn => UnsignedSub(a, b),
        Opcode.MulOvf => checked(a * b), Opcode.MulOvfUn => UnsignedMul(a, b),
        Opcode.MulHigh => DivisionMagic.MultiplyHigh(a, b),
        _ => throw new EvaluationException($"{opcode} is not supported while specializing"),
    };

    /// <summary>Integer arithmetic on int64 (or native int) operands (wrapping, checked or unsigned as the opcode says).</summary>
    public static long Int64(Opcode opcode, long a, long b) => opcode switch
    {
        Opcode.Add => unchecked(a + b), Opcode.Sub => unchecked(a - b), Opcode.Mul => unchecked(a * b),
        Opcode.Div => a / b, Opcode.DivUn => (long)((ulong)a / (ulong)b), Opcode.Rem => a % b, Opcode.RemUn => (long)((ulong)a % (ulong)b),
        Opcode.And => a & b, Opcode.Or => a | b, Opcode.Xor => a ^ b,
        Opcode.AddOvf => checked(a + b), Opcode.AddOvfUn => UnsignedAdd(a, b),
        Opcode.SubOvf => checked(a - b), Opcode.SubOvfUn => UnsignedSub(a, b),
        Opcode.MulOvf => checked(a * b), Opcode.MulOvfUn => UnsignedMul(a, b),
        Opcode.MulHigh => DivisionMagic.MultiplyHigh(a, b),
        _ => throw new EvaluationException($"{opcode} is not supported while specializing"),
    };

    private static bool Compare(Opcode opcode, object? left, object? right)
    {
        if (left is double or float || right is double or float)
        {
            return CompareFloats(opcode, ToDouble(left!), ToDouble(right!));
        }
        if (left is null || right is null || !(left is int or long or nint) || !(right is int or long or nint))
        {
            // References, boxes included, compare by identity.
            bool same = ReferenceEquals(left, right);
            return opcode switch
            {
                Opcode.Ceq => same, Opcode.Cne => !same, Opcode.CgtUn => !same && left is not null,
                _ => throw new EvaluationException($"{opcode} of references is not supported while specializing"),
            };
        }
        return CompareIntegers(opcode, ToInt64(left), ToInt64(right), left is int && right is int);
    }

    /// <summary>A float comparison (both operands widened to double), ordered or unordered as the opcode says.</summary>
    public static bool CompareFloats(Opcode opcode, double a, double b)
    {
        bool unordered = double.IsNaN(a) || double.IsNaN(b);
        return opcode switch
        {
            Opcode.Ceq => a == b, Opcode.Cne => !(a == b),
            Opcode.Clt => a < b, Opcode.Cle => a <= b, Opcode.Cgt => a > b, Opcode.Cge => a >= b,
            Opcode.CltUn => unordered || a < b, Opcode.CleUn => unordered || a <= b,
            Opcode.CgtUn => unordered || a > b, _ => unordered || a >= b,
        };
    }

    /// <summary>
    /// An integer comparison of operands sign-extended to int64; when both are int32 (<paramref name="bothInt32"/>)
    /// the unsigned comparisons read them as uint32.
    /// </summary>
    public static bool CompareIntegers(Opcode opcode, long x, long y, bool bothInt32)
    {
        if (bothInt32 && opcode is Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn)
        {
            x = (uint)(int)x;
            y = (uint)(int)y;
        }
        ulong ux = (ulong)x, uy = (ulong)y;
        return opcode switch
        {
            Opcode.Ceq => x == y, Opcode.Cne => x != y,
            Opcode.Clt => x < y, Opcode.Cle => x <= y, Opcode.Cgt => x > y, Opcode.Cge => x >= y,
            Opcode.CltUn => ux < uy, Opcode.CleUn => ux <= uy, Opcode.CgtUn => ux > uy, _ => ux >= uy,
        };
    }

    private static object Convert(Opcode opcode, object value, IrType target)
    {
        var kind = ConversionKind(target);
        if (value is double or float)
        {
            double d = ToDouble(value);
            return kind is TypeKind.F32 or TypeKind.F64
                ? FloatStackForm(ConvertFloatToFloat(d, kind), target)
                : IntegerStackForm(ConvertFloatToInteger(opcode, d, kind), target);
        }
        if (value is not (int or long or nint))
            throw new EvaluationException($"conversion of a {value.GetType().Name} is not supported while specializing");
        return kind is TypeKind.F32 or TypeKind.F64
            ? FloatStackForm(ConvertIntegerToFloat(opcode, ToInt64(value), value is int, kind), target)
            : IntegerStackForm(ConvertIntegerToInteger(opcode, ToInt64(value), value is int, kind), target);
    }

    /// <summary>The type kind a conversion produces: an enum's underlying kind, else the type's own.</summary>
    public static TypeKind ConversionKind(IrType target) => target.Kind == TypeKind.Enum ? target.Element!.Kind : target.Kind;

    /// <summary>An integer in stack form (int32-class values sign-extended from int) boxed as <paramref name="type"/>'s stack form.</summary>
    public static object IntegerStackForm(long value, IrType type) => type.StackKind switch
    {
        // Arms typed object: a switch over numeric arms would convert them all to long.
        StackKind.Int64 => (object)value, StackKind.NativeInt => (object)(nint)value, _ => (object)(int)value,
    };

    /// <summary>A float held as double boxed as <paramref name="type"/>'s form: <c>float</c> for float32, else <c>double</c>.</summary>
    public static object FloatStackForm(double value, IrType type) => type.Kind == TypeKind.F32 ? (object)(float)value : value;

    /// <summary>
    /// <c>conv</c>, <c>conv.un</c>, <c>conv.ovf</c>, <c>conv.ovf.un</c> of an integer to an integer type: the source
    /// (an int32 when <paramref name="sourceIsInt32"/>, else an int64 or native int) is widened by its own signedness
    /// (or as unsigned for .un), then narrowed to <paramref name="kind"/>; the result in stack form (int32-class
    /// results sign-extended from their int value).
    /// </summary>
    public static long ConvertIntegerToInteger(Opcode opcode, long value, bool sourceIsInt32, TypeKind kind)
    {
        bool overflowChecked = opcode is Opcode.ConvOvf or Opcode.ConvOvfUn;
        bool unsignedSource = opcode is Opcode.ConvUn or Opcode.ConvOvfUn;
        long wide = Widen(value, sourceIsInt32, unsignedSource, kind);
        if (!overflowChecked)
            return kind switch
            {
                TypeKind.I8 => (sbyte)wide, TypeKind.U8 or TypeKind.Bool => (byte)wide, TypeKind.I16 => (short)wide,
                TypeKind.U16 or TypeKind.Char => (ushort)wide, TypeKind.I32 => (int)wide, TypeKind.U32 => (int)(uint)wide,
                TypeKind.I64 => wide, TypeKind.U64 => wide,
                TypeKind.NInt => (nint)wide, TypeKind.NUInt => (nint)(nuint)wide,
                _ => throw new EvaluationException($"conversion to {kind} is not supported while specializing"),
            };
        if (unsignedSource)
        {
            ulong u = (ulong)wide;
            return kind switch
            {
                TypeKind.I8 => checked((sbyte)u), TypeKind.U8 or TypeKind.Bool => checked((byte)u), TypeKind.I16 => checked((short)u),
                TypeKind.U16 or TypeKind.Char => checked((ushort)u), TypeKind.I32 => checked((int)u), TypeKind.U32 => unchecked((int)checked((uint)u)),
                TypeKind.I64 => checked((long)u), TypeKind.U64 => unchecked((long)u), TypeKind.NInt => checked((nint)u),
                TypeKind.NUInt => unchecked((nint)checked((nuint)u)),
                _ => throw new EvaluationException($"conversion to {kind} is not supported while specializing"),
            };
        }
        return kind switch
        {
            TypeKind.I8 => checked((sbyte)wide), TypeKind.U8 or TypeKind.Bool => checked((byte)wide), TypeKind.I16 => checked((short)wide),
            TypeKind.U16 or TypeKind.Char => checked((ushort)wide), TypeKind.I32 => checked((int)wide), TypeKind.U32 => unchecked((int)checked((uint)wide)),
            TypeKind.I64 => wide, TypeKind.U64 => unchecked((long)checked((ulong)wide)), TypeKind.NInt => checked((nint)wide),
            TypeKind.NUInt => unchecked((nint)checked((nuint)wide)),
            _ => throw new EvaluationException($"conversion to {kind} is not supported while specializing"),
        };
    }

    /// <summary>A conversion of an integer to float32 or float64 (<paramref name="kind"/>), as a double (float32 results rounded).</summary>
    public static double ConvertIntegerToFloat(Opcode opcode, long value, bool sourceIsInt32, TypeKind kind)
    {
        bool unsignedSource = opcode is Opcode.ConvUn or Opcode.ConvOvfUn;
        long wide = Widen(value, sourceIsInt32, unsignedSource, kind);
        double d = unsignedSource ? (ulong)wide : (double)wide;
        return kind == TypeKind.F32 ? (float)d : d;
    }

    private static long Widen(long value, bool sourceIsInt32, bool unsignedSource, TypeKind kind) =>
        !sourceIsInt32 ? value : unsignedSource || kind is TypeKind.U64 or TypeKind.NUInt ? (uint)(int)value : (int)value;

    /// <summary>A conversion of a float to float32 or float64 (<paramref name="kind"/>), as a double (float32 results rounded).</summary>
    public static double ConvertFloatToFloat(double d, TypeKind kind) => kind == TypeKind.F32 ? (float)d : d;

    /// <summary>A conversion of a float to an integer type, checked for <c>conv.ovf</c>; the result in stack form.</summary>
    public static long ConvertFloatToInteger(Opcode opcode, double d, TypeKind kind)
    {
        if (opcode is Opcode.ConvOvf or Opcode.ConvOvfUn)
            return kind switch
            {
                TypeKind.I8 => checked((sbyte)d), TypeKind.U8 or TypeKind.Bool => checked((byte)d), TypeKind.I16 => checked((short)d),
                TypeKind.U16 or TypeKind.Char => checked((ushort)d), TypeKind.I32 => checked((int)d), TypeKind.U32 => unchecked((int)checked((uint)d)),
                TypeKind.I64 => checked((long)d), TypeKind.U64 => unchecked((long)checked((ulong)d)), TypeKind.NInt => checked((nint)d),
                TypeKind.NUInt => unchecked((nint)checked((nuint)d)),
                _ => throw new EvaluationException($"conversion of a float to {kind} is not supported while specializing"),
            };
        return kind switch
        {
            TypeKind.I8 => (sbyte)d, TypeKind.U8 or TypeKind.Bool => (byte)d, TypeKind.I16 => (short)d,
            TypeKind.U16 or TypeKind.Char => (ushort)d, TypeKind.I32 => (int)d, TypeKind.U32 => (int)(uint)d,
            TypeKind.I64 => (long)d, TypeKind.U64 => (long)(ulong)d, TypeKind.NInt => (nint)d, TypeKind.NUInt => (nint)(nuint)d,
            _ => throw new EvaluationException($"conversion of a float to {kind} is not supported while specializing"),
        };
    }

    private static double ToDouble(object value) => value switch
    {
        double d => d, float f => f, int i => i, long l => l, nint n => n,
        _ => throw new EvaluationException($"a {value.GetType().Name} is not a number"),
    };

    private static long ToInt64(object value) => value switch
    {
        int i => i, long l => l, nint n => n,
        _ => throw new EvaluationException($"a {value.GetType().Name} is not an integer"),
    };
}
