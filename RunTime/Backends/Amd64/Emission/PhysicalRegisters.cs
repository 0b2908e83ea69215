using Iced.Intel;

namespace PeJit.Backends.Amd64.Emission;

/// <summary>The 8-, 16- and 32-bit views of a 64-bit general-purpose register, and Iced's assembler wrappers for them.</summary>
public static class PhysicalRegisters
{
    /// <summary>The 64-bit register as Iced's assembler takes it.</summary>
    public static AssemblerRegister64 Q(Register register) => new(register);

    /// <summary>The low 32 bits of <paramref name="register"/>.</summary>
    public static AssemblerRegister32 D(Register register) => new(Register.EAX + (register - Register.RAX));

    /// <summary>The low 16 bits of <paramref name="register"/>.</summary>
    public static AssemblerRegister16 W(Register register) => new(Register.AX + (register - Register.RAX));

    /// <summary>The low 8 bits of <paramref name="register"/> (spl, bpl, sil, dil for numbers 4 to 7, never ah..bh).</summary>
    public static AssemblerRegister8 B(Register register)
    {
        int number = register - Register.RAX;
        return new(number switch
        {
            < 4 => Register.AL + number,
            < 8 => Register.SPL + (number - 4),
            _ => Register.R8L + (number - 8),
        });
    }
}
