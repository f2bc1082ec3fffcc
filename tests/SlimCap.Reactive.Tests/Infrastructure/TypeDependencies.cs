using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Which of an assembly's own types each of its types uses, read from the metadata and the IL (System.Reflection.Metadata,
/// no loading): base types, interfaces, fields, signatures, generic constraints, attributes, locals, and every token the
/// method bodies name (calls, field accesses, casts, <c>typeof</c>, <c>sizeof</c>). Nested and compiler-generated types
/// (closures, state machines, lambdas' display classes) count as their outermost declaring type, so a lambda's use is
/// its method's. Also notes pointer and function-pointer types in the assembly's own signatures and locals, and pinned
/// locals (<c>fixed</c>): traces that only <c>unsafe</c> code leaves.
/// </summary>
internal sealed class TypeDependencies
{
    /// <summary>One use: <paramref name="From"/> (a top-level type's full name) names <paramref name="To"/>, at <paramref name="Where"/>.</summary>
    public readonly record struct Edge(string From, string To, string Where);

    /// <summary>Every use of one of the assembly's types by another of its types (not of a type by itself).</summary>
    public IReadOnlyList<Edge> Edges { get; }

    /// <summary>Top-level types (full names) whose signatures or locals hold pointers, function pointers or pinned locals, with where.</summary>
    public IReadOnlyList<Edge> UnsafeTraces { get; }

    /// <summary>The namespace of each top-level type of the assembly, by full name (types outside any namespace left out).</summary>
    public IReadOnlyDictionary<string, string> NamespaceOf { get; }

    private TypeDependencies(List<Edge> edges, List<Edge> unsafeTraces, Dictionary<string, string> namespaces)
    {
        Edges = edges;
        UnsafeTraces = unsafeTraces;
        NamespaceOf = namespaces;
    }

    /// <summary>Reads the assembly at <paramref name="path"/>.</summary>
    public static TypeDependencies Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        return new Walker(pe).Run();
    }

    private sealed class Walker
    {
        private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => o.Value, o => o.OperandType);

        private readonly PEReader _pe;
        private readonly MetadataReader _md;
        private readonly SignatureCollector _signatures;
        private readonly List<Edge> _edges = [];
        private readonly List<Edge> _unsafe = [];
        private readonly Dictionary<string, string> _namespaces = [];
        private string _from = "";
        private string _where = "";

        public Walker(PEReader pe)
        {
            _pe = pe;
            _md = pe.GetMetadataReader();
            _signatures = new SignatureCollector(this);
        }

        public TypeDependencies Run()
        {
            foreach (TypeDefinitionHandle handle in _md.TypeDefinitions)
            {
                (string name, string ns) = Outermost(handle);
                if (ns.Length == 0) continue; // <Module>, <PrivateImplementationDetails>: the compiler's, no layer
                _namespaces[name] = ns;
            }
            foreach (TypeDefinitionHandle handle in _md.TypeDefinitions)
            {
                (_from, string ns) = Outermost(handle);
                if (ns.Length == 0) continue;
                WalkType(handle);
            }
            return new TypeDependencies(_edges, _unsafe, _namespaces);
        }

        private void WalkType(TypeDefinitionHandle handle)
        {
            TypeDefinition type = _md.GetTypeDefinition(handle);
            string typeName = _md.GetString(type.Name);
            _where = typeName;
            if (!type.BaseType.IsNil) Use(type.BaseType);
            foreach (InterfaceImplementationHandle i in type.GetInterfaceImplementations())
                Use(_md.GetInterfaceImplementation(i).Interface);
            Attributes(type.GetCustomAttributes());
            GenericParameters(type.GetGenericParameters());
            foreach (FieldDefinitionHandle f in type.GetFields())
            {
                FieldDefinition field = _md.GetFieldDefinition(f);
                Member(typeName, field.Name, field.GetCustomAttributes());
                field.DecodeSignature(_signatures, null);
            }
            foreach (PropertyDefinitionHandle p in type.GetProperties())
            {
                PropertyDefinition property = _md.GetPropertyDefinition(p);
                Member(typeName, property.Name, property.GetCustomAttributes());
                property.DecodeSignature(_signatures, null);
            }
            foreach (EventDefinitionHandle e in type.GetEvents())
            {
                EventDefinition ev = _md.GetEventDefinition(e);
                _where = $"{typeName}.{_md.GetString(ev.Name)}";
                Use(ev.Type);
            }
            foreach (MethodDefinitionHandle m in type.GetMethods())
                WalkMethod(typeName, _md.GetMethodDefinition(m));
        }

        private void WalkMethod(string typeName, MethodDefinition method)
        {
            _where = $"{typeName}.{_md.GetString(method.Name)}";
            _signatures.Own = true;
            method.DecodeSignature(_signatures, null);
            Attributes(method.GetCustomAttributes());
            GenericParameters(method.GetGenericParameters());
            foreach (ParameterHandle p in method.GetParameters())
                Attributes(_md.GetParameter(p).GetCustomAttributes());
            if (method.RelativeVirtualAddress == 0) return;
            MethodBodyBlock body = _pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
            {
                _signatures.Own = true;
                _md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(_signatures, null);
            }
            foreach (ExceptionRegion region in body.ExceptionRegions)
                if (!region.CatchType.IsNil) Use(region.CatchType);
            WalkIl(body.GetILReader());
        }

        private void WalkIl(BlobReader il)
        {
            while (il.RemainingBytes > 0)
            {
                short code = il.ReadByte();
                if (code == 0xFE) code = unchecked((short)(0xFE00 | il.ReadByte()));
                if (!Operands.TryGetValue(code, out OperandType operand)) throw new InvalidDataException($"{_where}: opcode {code:X} at IL offset {il.Offset - 1}");
                switch (operand)
                {
                    case OperandType.InlineNone: break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.Offset += 1; break;
                    case OperandType.InlineVar: il.Offset += 2; break;
                    case OperandType.InlineI8 or OperandType.InlineR: il.Offset += 8; break;
                    case OperandType.InlineSwitch:
                        int targets = il.ReadInt32(); // read first: `Offset +=` would read Offset before the count
                        il.Offset += 4 * targets;
                        break;
                    case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok
                        or OperandType.InlineType or OperandType.InlineSig:
                        Use(MetadataTokens.EntityHandle(il.ReadInt32()));
                        break;
                    default: il.Offset += 4; break; // InlineI, InlineBrTarget, InlineString, ShortInlineR
                }
            }
        }

        /// <summary>Starts on a member of the type's own: names it for the edges, and reads its attributes.</summary>
        private void Member(string typeName, StringHandle name, CustomAttributeHandleCollection attributes)
        {
            _where = $"{typeName}.{_md.GetString(name)}";
            Attributes(attributes);
            _signatures.Own = true;
        }

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (CustomAttributeHandle a in attributes)
                Use(_md.GetCustomAttribute(a).Constructor);
        }

        private void GenericParameters(GenericParameterHandleCollection parameters)
        {
            foreach (GenericParameterHandle g in parameters)
                foreach (GenericParameterConstraintHandle c in _md.GetGenericParameter(g).GetConstraints())
                    Use(_md.GetGenericParameterConstraint(c).Type);
        }

        /// <summary>Records what <paramref name="handle"/> names; signatures of members it calls are not the caller's own
        /// (a call to <c>ReadOnlySpan(void*, int)</c> for a <c>u8</c> literal is safe code), so they count as uses only.</summary>
        private void Use(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    Edge((TypeDefinitionHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    _signatures.Own = false;
                    _md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_signatures, null);
                    break;
                case HandleKind.MethodDefinition:
                    Edge(_md.GetMethodDefinition((MethodDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.FieldDefinition:
                    Edge(_md.GetFieldDefinition((FieldDefinitionHandle)handle).GetDeclaringType());
                    break;
                case HandleKind.MemberReference:
                    MemberReference member = _md.GetMemberReference((MemberReferenceHandle)handle);
                    Use(member.Parent);
                    _signatures.Own = false;
                    if (member.GetKind() == MemberReferenceKind.Method) member.DecodeMethodSignature(_signatures, null);
                    else member.DecodeFieldSignature(_signatures, null);
                    break;
                case HandleKind.MethodSpecification:
                    MethodSpecification spec = _md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    Use(spec.Method);
                    _signatures.Own = false;
                    spec.DecodeSignature(_signatures, null);
                    break;
                case HandleKind.StandaloneSignature:
                    _signatures.Own = true; // calli's own signature: a function pointer call
                    _md.GetStandaloneSignature((StandaloneSignatureHandle)handle).DecodeMethodSignature(_signatures, null);
                    Unsafe("calli");
                    break;
            }
        }

        internal void Edge(TypeDefinitionHandle to)
        {
            (string name, string ns) = Outermost(to);
            if (ns.Length != 0 && name != _from) _edges.Add(new Edge(_from, name, _where));
        }

        internal void Unsafe(string what) => _unsafe.Add(new Edge(_from, what, _where));

        private (string Name, string Namespace) Outermost(TypeDefinitionHandle handle)
        {
            TypeDefinition type = _md.GetTypeDefinition(handle);
            while (type.IsNested) type = _md.GetTypeDefinition(type.GetDeclaringType());
            string ns = _md.GetString(type.Namespace);
            string name = _md.GetString(type.Name);
            return (ns.Length == 0 ? name : $"{ns}.{name}", ns);
        }
    }

    /// <summary>Decodes signatures for their side effects: each own type met is an edge, each pointer a trace.</summary>
    private sealed class SignatureCollector(Walker walker) : ISignatureTypeProvider<int, object?>
    {
        /// <summary>Whether the signature being decoded is the assembly's own (a field, parameter, local) rather than a callee's.</summary>
        public bool Own { get; set; }

        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
        {
            walker.Edge(handle);
            return 0;
        }

        public int GetPointerType(int elementType)
        {
            if (Own) walker.Unsafe("pointer");
            return 0;
        }

        public int GetFunctionPointerType(MethodSignature<int> signature)
        {
            if (Own) walker.Unsafe("function pointer");
            return 0;
        }

        public int GetPinnedType(int elementType)
        {
            if (Own) walker.Unsafe("pinned local (fixed)");
            return 0;
        }

        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;
        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => 0;
        public int GetTypeFromSpecification(MetadataReader reader, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, context);
        public int GetSZArrayType(int elementType) => 0;
        public int GetArrayType(int elementType, ArrayShape shape) => 0;
        public int GetByReferenceType(int elementType) => 0;
        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;
        public int GetGenericMethodParameter(object? context, int index) => 0;
        public int GetGenericTypeParameter(object? context, int index) => 0;
        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
    }
}
