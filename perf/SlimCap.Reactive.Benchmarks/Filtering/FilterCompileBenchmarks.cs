using BenchmarkDotNet.Attributes;
using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Benchmarks.Filtering;

/// <summary>
/// Compile time of the whole expression set (every valid expression of tests/data/filters/expressions.tsv, 114), one
/// operation = the set: to a BPF program (parse, code generation, optimizer, checker: what libpcap's <c>pcap_compile</c>
/// does, timed beside it by perf/baseline/pcapfilter.c), and on to a runnable delegate (IL emitted and the
/// <c>DynamicMethod</c> jitted by one call).
/// </summary>
[Config(typeof(FilterBenchConfig))]
[MemoryDiagnoser]
public class FilterCompileBenchmarks
{
    private static readonly byte[] Frame = new byte[64];
    private string[] _expressions = [];

    /// <summary>The set, read once.</summary>
    [GlobalSetup]
    public void Setup() => _expressions = [.. FilterData.ValidExpressions().Select(e => e.Expression)];

    /// <summary>Every expression to a <see cref="BpfProgram"/> (optimized, as pcap_compile with optimize 1).</summary>
    [Benchmark(Baseline = true)]
    public int ExpressionSet()
    {
        int instructions = 0;
        foreach (string e in _expressions) instructions += PcapFilter.Compile(e, LinkType.Ethernet).Length;
        return instructions;
    }

    /// <summary>Every expression to a program, then to IL, then run once (the JIT compiles the dynamic method at its first call).</summary>
    [Benchmark]
    public uint ExpressionSetToDelegate()
    {
        uint verdicts = 0;
        foreach (string e in _expressions) verdicts += PcapFilter.Compile(e, LinkType.Ethernet).Compile()(Frame, (uint)Frame.Length);
        return verdicts;
    }
}
