using PeJit.Frontend.IR;

namespace PeJit.Frontend.Evaluation;

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
            double a = ToDouble(left), b = ToDouble(right);
            double result = opcode switch
            {
                Opcode.Add => a + b, Opcode.Sub => a - b, Opcode.Mul => a * b, Opcode.Div => a / b, Opcode.Rem => a % b,
                _ => throw new EvaluationException($"{opcode} of floats is not supported while specializing"),
            };
            return resultType.Kind == TypeKind.F32 ? (object)(float)result : result;
        }
        if (opcode is Opcode.Shl or Opcode.Shr or Opcode.ShrUn)
        {
            int amount = right is int s ? s : (int)(nint)right;
            return left switch
            {
                int i => (object)(opcode switch { Opcode.Shl => i << amount, Opcode.Shr => i >> amount, _ => (int)((uint)i >> amount) }),
                long l => (object)(opcode switch { Opcode.Shl => l << amount, Opcode.Shr => l >> amount, _ => (long)((ulong)l >> amount) }),
                nint n => (object)(opcode switch { Opcode.Shl => n << amount, Opcode.Shr => n >> amount, _ => (nint)((nuint)n >> amount) }),
                _ => throw new EvaluationException($"shift of a {left.GetType().Name} is not supported while specializing"),
            };
        }
        if (left is long || right is long) return Int64(opcode, ToInt64(left), ToInt64(right));
        if (left is nint || right is nint) return (nint)Int64(opcode, ToInt64(left), ToInt64(right));
        return Int32(opcode, (int)left, (int)right);
    }

    private static int Int32(Opcode opcode, int a, int b) => opcode switch
    {
        Opcode.Add => unchecked(a + b), Opcode.Sub => unchecked(a - b), Opcode.Mul => unchecked(a * b),
        Opcode.Div => a / b, Opcode.DivUn => (int)((uint)a / (uint)b), Opcode.Rem => a % b, Opcode.RemUn => (int)((uint)a % (uint)b),
        Opcode.And => a & b, Opcode.Or => a | b, Opcode.Xor => a ^ b,
        Opcode.AddOvf => checked(a + b), Opcode.AddOvfUn => (int)checked((uint)a + (uint)b),
        Opcode.SubOvf => checked(a - b), Opcode.SubOvfUn => (int)checked((uint)a - (uint)b),
        Opcode.MulOvf => checked(a * b), Opcode.MulOvfUn => (int)checked((uint)a * (uint)b),
        _ => throw new EvaluationException($"{opcode} is not supported while specializing"),
    };

    private static long Int64(Opcode opcode, long a, long b) => opcode switch
    {
        Opcode.Add => unchecked(a + b), Opcode.Sub => unchecked(a - b), Opcode.Mul => unchecked(a * b),
        Opcode.Div => a / b, Opcode.DivUn => (long)((ulong)a / (ulong)b), Opcode.Rem => a % b, Opcode.RemUn => (long)((ulong)a % (ulong)b),
        Opcode.And => a & b, Opcode.Or => a | b, Opcode.Xor => a ^ b,
        Opcode.AddOvf => checked(a + b), Opcode.AddOvfUn => (long)checked((ulong)a + (ulong)b),
        Opcode.SubOvf => checked(a - b), Opcode.SubOvfUn => (long)checked((ulong)a - (ulong)b),
        Opcode.MulOvf => checked(a * b), Opcode.MulOvfUn => (long)checked((ulong)a * (ulong)b),
        _ => throw new EvaluationException($"{opcode} is not supported while specializing"),
    };

    private static bool Compare(Opcode opcode, object? left, object? right)
    {
        if (left is double or float || right is double or float)
        {
            double a = ToDouble(left!), b = ToDouble(right!);
            bool unordered = double.IsNaN(a) || double.IsNaN(b);
            return opcode switch
            {
                Opcode.Ceq => a == b, Opcode.Cne => !(a == b),
                Opcode.Clt => a < b, Opcode.Cle => a <= b, Opcode.Cgt => a > b, Opcode.Cge => a >= b,
                Opcode.CltUn => unordered || a < b, Opcode.CleUn => unordered || a <= b,
                Opcode.CgtUn => unordered || a > b, _ => unordered || a >= b,
            };
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
        long x = ToInt64(left), y = ToInt64(right);
        if (left is int && right is int && opcode is Opcode.CltUn or Opcode.CleUn or Opcode.CgtUn or Opcode.CgeUn)
        {
            x = (uint)(int)left;
            y = (uint)(int)right;
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
        bool overflowChecked = opcode is Opcode.ConvOvf or Opcode.ConvOvfUn;
        bool unsignedSource = opcode is Opcode.ConvUn or Opcode.ConvOvfUn;
        var kind = target.Kind == TypeKind.Enum ? target.Element!.Kind : target.Kind;
        if (value is double or float)
        {
            double d = ToDouble(value);
            return overflowChecked ? CheckedFromDouble(d, kind) : UncheckedFromDouble(d, kind);
        }
        // Integers: widen the source by its own signedness (or as unsigned for .un), then narrow.
        long wide = value switch
        {
            int i => unsignedSource || kind is TypeKind.U64 or TypeKind.NUInt ? (uint)i : i,
            long l => l,
            nint n => n,
            _ => throw new EvaluationException($"conversion of a {value.GetType().Name} is not supported while specializing"),
        };
        if (kind is TypeKind.F32 or TypeKind.F64)
        {
            double d = unsignedSource ? (ulong)wide : (double)wide;
            return kind == TypeKind.F32 ? (object)(float)d : d;
        }
        if (!overflowChecked)
            return kind switch
            {
                TypeKind.I8 => (object)(sbyte)wide, TypeKind.U8 or TypeKind.Bool => (byte)wide, TypeKind.I16 => (short)wide,
                TypeKind.U16 or TypeKind.Char => (ushort)wide, TypeKind.I32 => (int)wide, TypeKind.U32 => (uint)wide,
                TypeKind.I64 => wide, TypeKind.U64 => (ulong)wide,
                TypeKind.NInt => (nint)wide, TypeKind.NUInt => (nuint)wide,
                _ => throw new EvaluationException($"conversion to {target} is not supported while specializing"),
            };
        if (unsignedSource)
        {
            ulong u = (ulong)wide;
            return checked(kind switch
            {
                TypeKind.I8 => (object)(sbyte)u, TypeKind.U8 or TypeKind.Bool => (byte)u, TypeKind.I16 => (short)u,
                TypeKind.U16 or TypeKind.Char => (ushort)u, TypeKind.I32 => (int)u, TypeKind.U32 => (uint)u,
                TypeKind.I64 => (long)u, TypeKind.U64 => u, TypeKind.NInt => (nint)u, TypeKind.NUInt => (nuint)u,
                _ => throw new EvaluationException($"conversion to {target} is not supported while specializing"),
            });
        }
        return checked(kind switch
        {
            TypeKind.I8 => (object)(sbyte)wide, TypeKind.U8 or TypeKind.Bool => (byte)wide, TypeKind.I16 => (short)wide,
            TypeKind.U16 or TypeKind.Char => (ushort)wide, TypeKind.I32 => (int)wide, TypeKind.U32 => (uint)wide,
            TypeKind.I64 => wide, TypeKind.U64 => (ulong)wide, TypeKind.NInt => (nint)wide, TypeKind.NUInt => (nuint)wide,
            _ => throw new EvaluationException($"conversion to {target} is not supported while specializing"),
        });
    }

    private static object UncheckedFromDouble(double d, TypeKind kind) => kind switch
    {
        TypeKind.I8 => (object)(sbyte)d, TypeKind.U8 or TypeKind.Bool => (byte)d, TypeKind.I16 => (short)d,
        TypeKind.U16 or TypeKind.Char => (ushort)d, TypeKind.I32 => (int)d, TypeKind.U32 => (uint)d,
        TypeKind.I64 => (long)d, TypeKind.U64 => (ulong)d, TypeKind.NInt => (nint)d, TypeKind.NUInt => (nuint)d,
        TypeKind.F32 => (float)d, TypeKind.F64 => d,
        _ => throw new EvaluationException($"conversion of a float to {kind} is not supported while specializing"),
    };

    private static object CheckedFromDouble(double d, TypeKind kind) => checked(kind switch
    {
        TypeKind.I8 => (object)(sbyte)d, TypeKind.U8 or TypeKind.Bool => (byte)d, TypeKind.I16 => (short)d,
        TypeKind.U16 or TypeKind.Char => (ushort)d, TypeKind.I32 => (int)d, TypeKind.U32 => (uint)d,
        TypeKind.I64 => (long)d, TypeKind.U64 => (ulong)d, TypeKind.NInt => (nint)d, TypeKind.NUInt => (nuint)d,
        TypeKind.F32 => (float)d, TypeKind.F64 => d,
        _ => throw new EvaluationException($"conversion of a float to {kind} is not supported while specializing"),
    });

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
