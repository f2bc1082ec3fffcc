using System.Text.RegularExpressions;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Layering;

/// <summary>
/// The layering README's layout section promises, checked on the built assembly and on its sources: every namespace is
/// one folder's and one layer's (<see cref="Layers"/>), no type uses a type of a higher layer, so no two namespaces use
/// each other, and <c>unsafe</c> code lives only in Interop/ and Ring/.
/// </summary>
/// <remarks>
/// The assembly shows every use the compiler keeps (signatures, fields, attributes, locals, every token of every method
/// body, closures and state machines counted as their method's); it cannot show constants, which the compiler copies
/// into their users. The sources show those: a file may only name (through a <c>using</c>, <c>using static</c> or a
/// qualified name) namespaces of its own layer or below.
/// </remarks>
public sealed class LayeringTests
{
    private static readonly Lazy<TypeDependencies> Assembly = new(() => TypeDependencies.Read(typeof(PacketRef).Assembly.Location));

    private static string LibrarySources => RepositoryPaths.Of("src", "SlimCap.Reactive");

    [Fact]
    public void Every_namespace_of_the_library_is_a_layer()
    {
        string[] unplaced = Assembly.Value.NamespaceOf.Values.Distinct().Where(ns => Layers.IndexOf(ns) < 0).Order().ToArray();
        Assert.True(unplaced.Length == 0, $"namespaces with no place in Layers.BottomUp: {string.Join(", ", unplaced)}");
    }

    [Fact]
    public void Every_source_file_is_in_the_namespace_of_its_folder()
    {
        var wrong = new List<string>();
        foreach (string file in LibraryFiles())
        {
            string folder = FolderOf(file);
            int layer = Layers.IndexOfFolder(folder);
            if (layer < 0)
            {
                wrong.Add($"{Relative(file)}: folder {folder} is no layer");
                continue;
            }
            string expected = Layers.BottomUp[layer].Namespace;
            Match declared = Regex.Match(SourceText.CodeOnly(File.ReadAllText(file)), @"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline);
            if (!declared.Success || declared.Groups[1].Value != expected)
                wrong.Add($"{Relative(file)}: namespace {(declared.Success ? declared.Groups[1].Value : "(none)")}, expected {expected}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void No_type_uses_a_type_of_a_higher_layer()
    {
        TypeDependencies assembly = Assembly.Value;
        string[] upward = assembly.Edges
            .Where(e => Layers.IndexOf(assembly.NamespaceOf[e.To]) > Layers.IndexOf(assembly.NamespaceOf[e.From]))
            .Select(e => $"{e.From} -> {e.To} (in {e.Where})")
            .Distinct().Order().ToArray();
        Assert.True(upward.Length == 0, $"{upward.Length} uses of a higher layer:\n{string.Join("\n", upward)}");
    }

    [Fact]
    public void No_two_namespaces_use_each_other_directly_or_through_others()
    {
        TypeDependencies assembly = Assembly.Value;
        var graph = assembly.Edges
            .Select(e => (From: assembly.NamespaceOf[e.From], To: assembly.NamespaceOf[e.To]))
            .Where(e => e.From != e.To)
            .Distinct()
            .GroupBy(e => e.From)
            .ToDictionary(g => g.Key, g => g.Select(e => e.To).ToArray());
        string[] cycles = NamespaceCycles(graph).Select(c => string.Join(" <-> ", c)).ToArray();
        Assert.True(cycles.Length == 0, $"namespaces in a cycle:\n{string.Join("\n", cycles)}");
    }

    [Fact]
    public void No_source_file_names_a_namespace_of_a_higher_layer()
    {
        // using SlimCap.Reactive.X; using static SlimCap.Reactive.X.T; SlimCap.Reactive.X.T in code (also global::), and
        // X.T relative to the parent namespace, which every SlimCap.Reactive.* file sees without a using.
        string folders = string.Join("|", Layers.BottomUp.Select(l => l.Folder).Where(f => f != "Reactive"));
        var qualified = new Regex(@"\bSlimCap\.Reactive(?:\.(" + folders + @"))?\b(?!\.(?:" + folders + @")\b)");
        var relative = new Regex(@"(?<![\w.])(" + folders + @")\s*\.\s*[A-Z]");
        var wrong = new List<string>();
        foreach (string file in LibraryFiles())
        {
            int own = Layers.IndexOfFolder(FolderOf(file));
            if (own < 0) continue; // reported by Every_source_file_is_in_the_namespace_of_its_folder
            string[] lines = SourceText.CodeOnly(File.ReadAllText(file)).Split('\n');
            for (int n = 0; n < lines.Length; n++)
            {
                string line = lines[n];
                if (Regex.IsMatch(line, @"^\s*namespace\s")) continue;
                foreach (Match m in qualified.Matches(line))
                {
                    string ns = m.Groups[1].Success ? "SlimCap.Reactive." + m.Groups[1].Value : "SlimCap.Reactive";
                    if (Layers.IndexOf(ns) > own) wrong.Add($"{Relative(file)}:{n + 1}: {line.Trim()}");
                }
                foreach (Match m in relative.Matches(line))
                    if (Layers.IndexOfFolder(m.Groups[1].Value) > own) wrong.Add($"{Relative(file)}:{n + 1}: {line.Trim()}");
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} names of a higher layer:\n{string.Join("\n", wrong.Distinct())}");
    }

    [Fact]
    public void Unsafe_code_is_only_in_Interop_and_Ring()
    {
        var wrong = new List<string>();
        foreach (string file in LibraryFiles())
        {
            if (Layers.UnsafeFolders.Contains(FolderOf(file))) continue;
            string[] lines = SourceText.CodeOnly(File.ReadAllText(file)).Split('\n');
            for (int n = 0; n < lines.Length; n++)
                if (Regex.IsMatch(lines[n], @"\bunsafe\b")) wrong.Add($"{Relative(file)}:{n + 1}: {lines[n].Trim()}");
        }
        // What the compiler leaves of unsafe code: pointers in the assembly's own signatures and locals, pinned locals, calli.
        TypeDependencies assembly = Assembly.Value;
        foreach (TypeDependencies.Edge trace in assembly.UnsafeTraces)
        {
            string ns = assembly.NamespaceOf[trace.From];
            if (!Layers.UnsafeFolders.Contains(Layers.BottomUp[Layers.IndexOf(ns)].Folder))
                wrong.Add($"{trace.From}: {trace.To} in {trace.Where}");
        }
        Assert.True(wrong.Count == 0, $"unsafe code outside {string.Join(" and ", Layers.UnsafeFolders)}:\n{string.Join("\n", wrong.Distinct())}");
    }

    private static IEnumerable<string> LibraryFiles() =>
        Directory.EnumerateDirectories(LibrarySources)
            .Where(d => Path.GetFileName(d) is not ("bin" or "obj"))
            .SelectMany(d => Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal);

    private static string FolderOf(string file) => Path.GetRelativePath(LibrarySources, file).Split(Path.DirectorySeparatorChar)[0];

    private static string Relative(string file) => Path.GetRelativePath(RepositoryPaths.Root, file);

    /// <summary>Strongly connected components of more than one namespace (Tarjan), each as its members.</summary>
    private static List<string[]> NamespaceCycles(Dictionary<string, string[]> graph)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<string[]>();
        void Visit(string v)
        {
            index[v] = low[v] = index.Count;
            stack.Push(v);
            onStack.Add(v);
            foreach (string w in graph.GetValueOrDefault(v, []))
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do
            {
                x = stack.Pop();
                onStack.Remove(x);
                component.Add(x);
            } while (x != v);
            if (component.Count > 1) cycles.Add([.. component.Order()]);
        }
        foreach (string v in graph.Keys.Order()) if (!index.ContainsKey(v)) Visit(v);
        return cycles;
    }
}
