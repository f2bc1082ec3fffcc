using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace SlimCap.Reactive.Benchmarks.Filtering;

/// <summary>
/// <see cref="BenchConfig"/>'s schedule (in-process, 4 warm-up and 12 measured iterations, CSV for the script) measured in
/// thread CPU time (<see cref="ThreadCpuClock"/>), as the libpcap baseline is; default runtime settings (tiered JIT on).
/// </summary>
public sealed class FilterBenchConfig : ManualConfig
{
    public FilterBenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithClock(ThreadCpuClock.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(4)
            .WithIterationCount(12)
            .WithId("InProcess-CPU"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        AddExporter(CsvExporter.Default);
        WithOption(ConfigOptions.JoinSummary, true);
    }
}
