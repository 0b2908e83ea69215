using Mono.Cecil;

// Declared in the IR's namespace so that code holding IR references reaches their Cecil origin wherever it
// already imports the IR: the IR itself knows nothing of Cecil (Origin is opaque to it).
namespace PeJit.IR;

/// <summary>The Cecil references the frontend attaches to the IR's types, members and graphs.</summary>
public static class CecilOrigin
{
    extension(IrType type)
    {
        /// <summary>The Cecil reference the frontend built this type from; null for a parsed graph.</summary>
        public TypeReference? Cecil => type.Origin as TypeReference;
    }

    extension(FieldRef reference)
    {
        /// <summary>The Cecil reference the frontend built this field reference from; null for a parsed graph.</summary>
        public FieldReference? Cecil => reference.Origin as FieldReference;
    }

    extension(MethodRef method)
    {
        /// <summary>The Cecil reference the frontend built this method reference from; null for a parsed graph.</summary>
        public MethodReference? Cecil => method.Origin as MethodReference;
    }

    extension(MethodRef)
    {
        /// <summary>
        /// The IR reference to <paramref name="method"/>, with its Cecil origin. <see cref="MethodRef.IsPure"/> is
        /// set for a known-pure base-library method (<see cref="Frontend.Construction.KnownPureCalls"/>: a dictionary's lookup
        /// only when its key type compares with the framework's code) or one marked <c>[Elidable]</c>; <see cref="MethodRef.StoredFields"/>
        /// for a constructor that only stores its parameters (<see cref="Frontend.Construction.ConstructorStores"/>);
        /// <see cref="MethodRef.ReadsOnly"/> for one whose IL writes no memory (<see cref="Frontend.Construction.MethodEffects"/>).
        /// </summary>
        public static MethodRef From(MethodReference method)
        {
            var definition = Frontend.Construction.ClassHierarchy.TryResolve(method);
            bool pure = Frontend.Construction.KnownPureCalls.IsPure(method)
                || definition is { HasCustomAttributes: true } && definition.CustomAttributes.Any(a => a.AttributeType.FullName == HintNames.Elidable);
            return new MethodRef(method.FullName, method.HasThis, method)
            {
                IsPure = pure,
                ReadsOnly = pure || Frontend.Construction.MethodEffects.ReadsOnly(method),
                StoredFields = Frontend.Construction.ConstructorStores.Of(method),
            };
        }
    }

    extension(FieldRef)
    {
        /// <summary>The IR reference to <paramref name="field"/>, with its Cecil origin.</summary>
        public static FieldRef From(FieldReference field) => new(field.FullName, field);
    }

    extension(FlowGraph graph)
    {
        /// <summary>The method the frontend built this graph from; null for a parsed or residual graph.</summary>
        public MethodDefinition? Method
        {
            get => graph.Origin as MethodDefinition;
            set
            {
                graph.Origin = value;
                graph.IsGeneric = value is { HasGenericParameters: true } or { DeclaringType.HasGenericParameters: true };
            }
        }
    }
}
