// Written by scripts/generate-jit-overloads.sh; edit the script and run it, not this file.
using System.Runtime.CompilerServices;

namespace PeJit;

// The overloads of MergePoint and CanEnterJit, one per number of variables; the rules they follow are on Jit in Jit.cs.
public static partial class Jit
{
    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 1 variable.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1>(T1 a1) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 2 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2>(T1 a1, T2 a2) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 3 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3>(T1 a1, T2 a2, T3 a3) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 4 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4>(T1 a1, T2 a2, T3 a3, T4 a4) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 5 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 6 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 7 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 8 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 9 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8, T9>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 10 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 11 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 12 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 13 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <typeparam name="T13">Type of variable 13.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    /// <param name="a13">Variable 13: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 14 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <typeparam name="T13">Type of variable 13.</typeparam>
    /// <typeparam name="T14">Type of variable 14.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    /// <param name="a13">Variable 13: a green, in declared order, or after the greens a red.</param>
    /// <param name="a14">Variable 14: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 15 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <typeparam name="T13">Type of variable 13.</typeparam>
    /// <typeparam name="T14">Type of variable 14.</typeparam>
    /// <typeparam name="T15">Type of variable 15.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    /// <param name="a13">Variable 13: a green, in declared order, or after the greens a red.</param>
    /// <param name="a14">Variable 14: a green, in declared order, or after the greens a red.</param>
    /// <param name="a15">Variable 15: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15) { }

    /// <summary>Marks the head of the portal's dispatch loop; pass every live variable, greens then reds. A no-op until rewritten. This overload takes 16 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <typeparam name="T13">Type of variable 13.</typeparam>
    /// <typeparam name="T14">Type of variable 14.</typeparam>
    /// <typeparam name="T15">Type of variable 15.</typeparam>
    /// <typeparam name="T16">Type of variable 16.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    /// <param name="a13">Variable 13: a green, in declared order, or after the greens a red.</param>
    /// <param name="a14">Variable 14: a green, in declared order, or after the greens a red.</param>
    /// <param name="a15">Variable 15: a green, in declared order, or after the greens a red.</param>
    /// <param name="a16">Variable 16: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MergePoint<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 1 variable.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1>(T1 a1) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 2 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2>(T1 a1, T2 a2) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 3 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3>(T1 a1, T2 a2, T3 a3) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 4 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4>(T1 a1, T2 a2, T3 a3, T4 a4) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 5 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 6 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 7 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 8 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 9 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8, T9>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 10 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 11 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 12 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 13 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <typeparam name="T13">Type of variable 13.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    /// <param name="a13">Variable 13: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 14 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <typeparam name="T13">Type of variable 13.</typeparam>
    /// <typeparam name="T14">Type of variable 14.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    /// <param name="a13">Variable 13: a green, in declared order, or after the greens a red.</param>
    /// <param name="a14">Variable 14: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 15 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <typeparam name="T13">Type of variable 13.</typeparam>
    /// <typeparam name="T14">Type of variable 14.</typeparam>
    /// <typeparam name="T15">Type of variable 15.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    /// <param name="a13">Variable 13: a green, in declared order, or after the greens a red.</param>
    /// <param name="a14">Variable 14: a green, in declared order, or after the greens a red.</param>
    /// <param name="a15">Variable 15: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15) { }

    /// <summary>Marks where a loop of the interpreted program closes (a backward jump); same variables as the merge point. A no-op until rewritten. This overload takes 16 variables.</summary>
    /// <typeparam name="T1">Type of variable 1.</typeparam>
    /// <typeparam name="T2">Type of variable 2.</typeparam>
    /// <typeparam name="T3">Type of variable 3.</typeparam>
    /// <typeparam name="T4">Type of variable 4.</typeparam>
    /// <typeparam name="T5">Type of variable 5.</typeparam>
    /// <typeparam name="T6">Type of variable 6.</typeparam>
    /// <typeparam name="T7">Type of variable 7.</typeparam>
    /// <typeparam name="T8">Type of variable 8.</typeparam>
    /// <typeparam name="T9">Type of variable 9.</typeparam>
    /// <typeparam name="T10">Type of variable 10.</typeparam>
    /// <typeparam name="T11">Type of variable 11.</typeparam>
    /// <typeparam name="T12">Type of variable 12.</typeparam>
    /// <typeparam name="T13">Type of variable 13.</typeparam>
    /// <typeparam name="T14">Type of variable 14.</typeparam>
    /// <typeparam name="T15">Type of variable 15.</typeparam>
    /// <typeparam name="T16">Type of variable 16.</typeparam>
    /// <param name="a1">Variable 1: a green, in declared order, or after the greens a red.</param>
    /// <param name="a2">Variable 2: a green, in declared order, or after the greens a red.</param>
    /// <param name="a3">Variable 3: a green, in declared order, or after the greens a red.</param>
    /// <param name="a4">Variable 4: a green, in declared order, or after the greens a red.</param>
    /// <param name="a5">Variable 5: a green, in declared order, or after the greens a red.</param>
    /// <param name="a6">Variable 6: a green, in declared order, or after the greens a red.</param>
    /// <param name="a7">Variable 7: a green, in declared order, or after the greens a red.</param>
    /// <param name="a8">Variable 8: a green, in declared order, or after the greens a red.</param>
    /// <param name="a9">Variable 9: a green, in declared order, or after the greens a red.</param>
    /// <param name="a10">Variable 10: a green, in declared order, or after the greens a red.</param>
    /// <param name="a11">Variable 11: a green, in declared order, or after the greens a red.</param>
    /// <param name="a12">Variable 12: a green, in declared order, or after the greens a red.</param>
    /// <param name="a13">Variable 13: a green, in declared order, or after the greens a red.</param>
    /// <param name="a14">Variable 14: a green, in declared order, or after the greens a red.</param>
    /// <param name="a15">Variable 15: a green, in declared order, or after the greens a red.</param>
    /// <param name="a16">Variable 16: a green, in declared order, or after the greens a red.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CanEnterJit<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16>(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16) { }
}
