using BenchmarkDotNet.Attributes;
using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Benchmarks.Filtering;

/// <summary>
/// Per-record cost of a pcap-filter expression's program over the corpus records in memory: the IL-compiled delegate
/// (<see cref="BpfProgram.Compile"/>, what <c>WhereBpf</c> and the file source's <c>Filter</c> run) and the interpreter
/// (<see cref="BpfProgram.Run(ReadOnlySpan{byte}, uint)"/>, what Native AOT runs), each call given the captured bytes and
/// the wire length as libpcap's <c>pcap_offline_filter</c> is in perf/baseline/pcapfilter.c. <see cref="Copies"/> 1 keeps
/// the 2 MB of records in the cache (the filter's own cost: a file reader hands the filter a record it has just read);
/// 64 spreads them over 130 MB (every record a cache miss, for both sides). Each invocation makes
/// <see cref="FilterRecords.CallsPerInvoke"/> calls.
/// </summary>
[Config(typeof(FilterBenchConfig))]
public class FilterBenchmarks
{
    private FilterRecords _records = null!;
    private BpfProgram _program = null!;
    private BpfFilterFunction _compiled = null!;

    /// <summary>An id of tests/data/filters/expressions.tsv.</summary>
    [ParamsSource(nameof(Ids))]
    public string Id { get; set; } = "";

    /// <summary>Copies of the corpus in memory (PERF_FILTER_COPIES, default "1 64").</summary>
    [ParamsSource(nameof(CopyCounts))]
    public int Copies { get; set; }

    /// <summary>The expressions measured.</summary>
    public static IEnumerable<string> Ids() => FilterData.SelectedIds();

    /// <summary>The set sizes measured.</summary>
    public static IEnumerable<int> CopyCounts() =>
        (Environment.GetEnvironmentVariable("PERF_FILTER_COPIES") ?? "1 64").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse);

    /// <summary>Compiles the expression (optimized, Ethernet, snap length 262144, as tcpdump for a file) and checks both runners agree.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _records = FilterRecords.Get(Copies);
        _program = PcapFilter.Compile(FilterData.Expression(Id), LinkType.Ethernet);
        _compiled = _program.Compile();
        long compiled = Compiled(), interpreted = Interpreted();
        if (compiled != interpreted) throw new InvalidOperationException($"{Id}: the compiled program keeps {compiled} records, the interpreter {interpreted}");
        // perf/filters.sh compares this with libpcap's count for the same records (per copy of the corpus).
        Console.WriteLine($"// kept id={Id} copies={Copies} kept={compiled / FilterRecords.SetCopies} instructions={_program.Length} il={BpfProgram.CompilesToIL}");
    }

    /// <summary>The IL-compiled delegate.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = FilterRecords.CallsPerInvoke)]
    public long Compiled() => Filter(new CompiledRunner(_compiled));

    /// <summary>The interpreter.</summary>
    [Benchmark(OperationsPerInvoke = FilterRecords.CallsPerInvoke)]
    public long Interpreted() => Filter(new InterpretedRunner(_program));

    // A struct type argument: the JIT compiles the loop once per runner, with the call inlined where it can be.
    private long Filter<TRunner>(TRunner runner) where TRunner : struct, IRunner
    {
        FilterRecords r = _records;
        byte[] data = r.Data;
        int[] offsets = r.Offsets, lengths = r.Lengths;
        uint[] wire = r.WireLengths;
        long kept = 0;
        for (int loop = FilterRecords.SetCopies / r.Copies; loop > 0; loop--)
            for (int i = 0; i < offsets.Length; i++)
                if (runner.Run(new ReadOnlySpan<byte>(data, offsets[i], lengths[i]), wire[i]) != 0) kept++;
        return kept;
    }

    private interface IRunner
    {
        uint Run(ReadOnlySpan<byte> packet, uint wireLength);
    }

    private readonly struct CompiledRunner(BpfFilterFunction filter) : IRunner
    {
        public uint Run(ReadOnlySpan<byte> packet, uint wireLength) => filter(packet, wireLength);
    }

    private readonly struct InterpretedRunner(BpfProgram program) : IRunner
    {
        public uint Run(ReadOnlySpan<byte> packet, uint wireLength) => program.Run(packet, wireLength);
    }
}
