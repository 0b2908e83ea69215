using System.Reflection;
using System.Text;

namespace PeJit.Specializer.Extension;

/// <summary>
/// A method's signature as text that build time (from Cecil, in the generator's <c>MemberTableBuilder</c>) and run
/// time (from reflection, here) write alike, so a stored method is found again by name and signature:
/// <c>RETURN(PARAMETER,...)</c>, each type as its full name with <c>+</c> for nesting, <c>!N</c> and <c>!!N</c> for
/// the declaring type's and the method's generic parameters, <c>NAME&lt;ARG,...&gt;</c> for an instantiation,
/// <c>[]</c>, <c>[,]</c>, <c>&amp;</c> and <c>*</c> for arrays, references and pointers. Modifiers are left out
/// (reflection does not show them).
/// </summary>
public static class MemberSignature
{
    /// <summary>The signature of a run-time method or constructor (its definition's, for a generic one).</summary>
    public static string Of(MethodBase method)
    {
        var text = new StringBuilder();
        text.Append(method is MethodInfo info ? Of(info.ReturnType) : "System.Void").Append('(');
        var parameters = method.GetParameters();
        for (int i = 0; i < parameters.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(Of(parameters[i].ParameterType));
        }
        return text.Append(')').ToString();
    }

    /// <summary>One type in signature form.</summary>
    public static string Of(Type type) =>
        PeJit.IR.Semantics.ReflectedIrTypes.Spell(type, '+', static parameter => (parameter.IsGenericMethodParameter ? "!!" : "!") + parameter.GenericParameterPosition);

    /// <summary>The key under which <c>pejit build</c> stores a portal's extension program: <c>DECLARING-TYPE::NAME SIGNATURE</c>.</summary>
    public static string PortalKey(MethodBase portal) => Of(portal.DeclaringType!) + "::" + portal.Name + " " + Of(portal);
}
