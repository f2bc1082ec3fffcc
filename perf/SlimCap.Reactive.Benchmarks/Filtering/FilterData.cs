namespace SlimCap.Reactive.Benchmarks.Filtering;

/// <summary>tests/data/filters of the repository this benchmark was built from: the expressions and the files in scope.</summary>
public static class FilterData
{
    private static readonly Lazy<string> Repository = new(FindRepository);

    /// <summary>
    /// The benchmark's representative set (PERF_FILTER_IDS overrides it: ids separated by spaces or commas, or "all"):
    /// simple host and port tests, IPv6, compound and/or/not, TCP flags, a computed offset, VLAN, protochain's loop, ICMPv6,
    /// Ethernet addresses and broadcast/multicast.
    /// </summary>
    public static readonly string[] RepresentativeIds =
    [
        "host-01", "host-06", "port-01", "port-04", "proto-01", "boolean-07", "boolean-10", "boolean-12", "tcpflags-01",
        "tcpflags-08", "arith-07", "encap-05", "encap-08", "net-07", "proto-10", "icmp-04", "mcast-05", "ether-01",
    ];

    /// <summary>The ids the per-record benchmark runs.</summary>
    public static IEnumerable<string> SelectedIds()
    {
        string? chosen = Environment.GetEnvironmentVariable("PERF_FILTER_IDS");
        if (string.IsNullOrWhiteSpace(chosen)) return RepresentativeIds;
        string[] ids = chosen.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
        return ids is ["all"] ? ValidExpressions().Select(e => e.Id) : ids;
    }

    /// <summary>Every expression libpcap compiles (valid = yes), in file order.</summary>
    public static IReadOnlyList<(string Id, string Expression)> ValidExpressions() =>
        [.. Rows("expressions.tsv").Where(r => r[3] == "yes").Select(r => (r[0], r[2]))];

    /// <summary>The expression of <paramref name="id"/>.</summary>
    public static string Expression(string id) =>
        ValidExpressions().FirstOrDefault(e => e.Id == id).Expression ?? throw new ArgumentException($"no valid expression '{id}' in expressions.tsv", nameof(id));

    /// <summary>The paths of the 253 files of files.tsv, in its order.</summary>
    public static IEnumerable<string> Files() =>
        Rows("files.tsv").Select(r => Path.Combine(Repository.Value, "tests", "data", "corpus", "files", r[0]));

    private static IEnumerable<string[]> Rows(string name) =>
        File.ReadAllLines(Path.Combine(Repository.Value, "tests", "data", "filters", name)).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t'));

    // The benchmark runs from perf/out/bench (perf/filters.sh) or a bin folder: the data is in a parent folder
    // (PERF_REPO names the repository when the build went elsewhere).
    private static string FindRepository()
    {
        if (Environment.GetEnvironmentVariable("PERF_REPO") is { Length: > 0 } repo) return repo;
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "tests", "data", "filters", "expressions.tsv"))) return d.FullName;
        throw new DirectoryNotFoundException($"tests/data/filters not found above {AppContext.BaseDirectory}");
    }
}
