using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace SlimCap.Reactive.Benchmarks;

/// <summary>
/// In-process (no generated project to build on a busy 2-core machine), a short fixed schedule,
/// per-packet results (each benchmark declares OperationsPerInvoke = packets), memory diagnoser,
/// CSV export for perf/micro.sh, which adds the ratio to the C walk (perf/baseline/ringwalk.c).
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(4)
            .WithIterationCount(12)
            .WithId("InProcess"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        AddExporter(CsvExporter.Default);
        WithOption(ConfigOptions.JoinSummary, true);
    }
}
