namespace PeJit.TestSubjects;

/// <summary>The tag of a <see cref="LoxValue"/>.</summary>
public enum LoxTag { Bool, Nil, Number }
