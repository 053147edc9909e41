using Mono.Cecil;
using Mono.Cecil.Cil;

namespace MoDE.Tests.Architecture;

/// <summary>
/// Which namespaces of an assembly use which, read from the compiled IL with Mono.Cecil: base types, interfaces,
/// fields, properties, method signatures, locals, attributes and every type, method or field an instruction names.
/// A compiler-generated type (a lambda's closure, an iterator) counts for the namespace of the type that declares it.
/// </summary>
public sealed class NamespaceGraph
{
    /// <summary>edges[from][to]: the types of <c>from</c> that use <c>to</c>, one example each.</summary>
    readonly SortedDictionary<string, SortedDictionary<string, string>> edges = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Namespaces => edges.Keys;

    public IEnumerable<string> Uses(string from) => edges.TryGetValue(from, out var to) ? to.Keys : [];

    /// <summary>A type of <paramref name="from"/> that uses <paramref name="to"/>, and the type it uses.</summary>
    public string Example(string from, string to) => edges[from][to];

    /// <summary>The graph of the namespaces that start with <paramref name="prefix"/> in the assembly at <paramref name="path"/>.</summary>
    public static NamespaceGraph Read(string path, string prefix)
    {
        var graph = new NamespaceGraph();
        using var module = ModuleDefinition.ReadModule(path);
        foreach (var type in module.GetTypes())
        {
            string from = Outermost(type).Namespace;
            if (!from.StartsWith(prefix, StringComparison.Ordinal)) continue;
            graph.edges.TryAdd(from, new(StringComparer.Ordinal));
            foreach (var used in Used(type))
            {
                var target = used.GetElementType();
                while (target.DeclaringType is { } outer) target = outer;
                string to = target.Namespace;
                if (to == from || !to.StartsWith(prefix, StringComparison.Ordinal) || target.Scope.Name != module.Assembly.Name.Name && target.Scope != module) continue;
                graph.edges[from].TryAdd(to, $"{Outermost(type).Name} uses {target.Name}");
            }
        }
        return graph;
    }

    static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.DeclaringType is { } outer) type = outer;
        return type;
    }

    static IEnumerable<TypeReference> Used(TypeDefinition type)
    {
        if (type.BaseType is { } baseType) foreach (var t in Expand(baseType)) yield return t;
        foreach (var i in type.Interfaces) foreach (var t in Expand(i.InterfaceType)) yield return t;
        foreach (var a in type.CustomAttributes) yield return a.AttributeType;
        foreach (var field in type.Fields) foreach (var t in Expand(field.FieldType)) yield return t;
        foreach (var property in type.Properties) foreach (var t in Expand(property.PropertyType)) yield return t;
        foreach (var method in type.Methods)
        {
            foreach (var t in Expand(method.ReturnType)) yield return t;
            foreach (var p in method.Parameters) foreach (var t in Expand(p.ParameterType)) yield return t;
            if (!method.HasBody) continue;
            foreach (var v in method.Body.Variables) foreach (var t in Expand(v.VariableType)) yield return t;
            foreach (var instruction in method.Body.Instructions)
                foreach (var t in Operand(instruction)) yield return t;
        }
    }

    static IEnumerable<TypeReference> Operand(Instruction instruction)
    {
        switch (instruction.Operand)
        {
            case TypeReference t:
                foreach (var x in Expand(t)) yield return x;
                break;
            case MethodReference m:
                foreach (var x in Expand(m.DeclaringType)) yield return x;
                foreach (var x in Expand(m.ReturnType)) yield return x;
                foreach (var p in m.Parameters) foreach (var x in Expand(p.ParameterType)) yield return x;
                if (m is GenericInstanceMethod g) foreach (var a in g.GenericArguments) foreach (var x in Expand(a)) yield return x;
                break;
            case FieldReference f:
                foreach (var x in Expand(f.DeclaringType)) yield return x;
                foreach (var x in Expand(f.FieldType)) yield return x;
                break;
        }
    }

    /// <summary>A type and, for a generic instance, array or pointer, the types inside it.</summary>
    static IEnumerable<TypeReference> Expand(TypeReference type)
    {
        if (type is GenericInstanceType generic)
            foreach (var argument in generic.GenericArguments) foreach (var t in Expand(argument)) yield return t;
        if (type is TypeSpecification spec) { foreach (var t in Expand(spec.ElementType)) yield return t; yield break; }
        if (type is GenericParameter) yield break;
        yield return type;
    }

    /// <summary>The namespace cycles: strongly connected components of more than one namespace (Tarjan's algorithm).</summary>
    public List<List<string>> Cycles()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<List<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in Uses(v))
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            if (component.Count > 1) cycles.Add([.. component.Order(StringComparer.Ordinal)]);
        }
        foreach (string v in edges.Keys.ToList()) if (!index.ContainsKey(v)) Visit(v);
        return cycles;
    }

    /// <summary>One line per namespace: the namespaces it uses.</summary>
    public string ToText(string prefix) => string.Join('\n', edges.Select(e =>
        $"{e.Key[prefix.Length..]} -> {string.Join(", ", e.Value.Keys.Select(k => k[prefix.Length..]))}"));
}
