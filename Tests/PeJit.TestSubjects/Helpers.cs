namespace PeJit.TestSubjects;

/// <summary>Classes and structs the subjects use.</summary>
public abstract class Shape
{
    public static int Created;
    public readonly string Name;
    protected Shape(string name) { Name = name; Created++; }
    public abstract double Area();
    public virtual string Describe() => $"{Name}:{Area():F1}";
}

public sealed class Circle(double radius) : Shape("circle")
{
    public double Radius = radius;
    public override double Area() => Math.PI * Radius * Radius;
}

public class Square(double side) : Shape("square")
{
    public double Side = side;
    public override double Area() => Side * Side;
    public override string Describe() => "[" + base.Describe() + "]";
}

public interface ICounter
{
    int Next();
}

public sealed class Counter : ICounter, IDisposable
{
    public int Value;
    public bool Disposed;
    public int Next() => ++Value;
    public void Dispose() => Disposed = true;
}

public struct Point
{
    public int X;
    public int Y;
    public Point(int x, int y) { X = x; Y = y; }
    public void Move(int dx, int dy) { X += dx; Y += dy; }
    public readonly int Sum => X + Y;
    public override readonly string ToString() => $"({X},{Y})";
}

public struct Holder
{
    public Point Inner;
    public int Count;
}

public readonly struct Token(string text) : IDisposable
{
    public readonly string Text = text;
    public void Dispose() => Log.Add("dispose " + Text);
}

public static class Log
{
    [ThreadStatic] private static List<string>? entries;
    public static List<string> Entries => entries ??= [];
    public static void Add(string entry) => Entries.Add(entry);
}

public enum Color : byte { Red = 1, Green = 2, Blue = 4 }

public sealed class CustomException(string message, int code) : Exception(message)
{
    public int Code { get; } = code;
}
