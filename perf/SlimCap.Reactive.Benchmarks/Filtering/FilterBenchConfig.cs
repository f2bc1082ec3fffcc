using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace SlimCap.Reactive.Benchmarks.Filtering;

/// <summary>
/// <see cref="BenchConfig"/>'s schedule (in-process, 4 warm-up and 12 measured iterations, CSV for the script) measured in
/// thread CPU time (<see cref="ThreadCpuClock"/>), as the libpcap baseline is; default runtime settings (tiered JIT on).
/// perf/filters.sh's sweep over every expression shortens the schedule: PERF_FILTER_WARMUPS, PERF_FILTER_ITERATIONS and
/// PERF_FILTER_ITERATION_MS (BenchmarkDotNet's 500 ms otherwise).
/// </summary>
public sealed class FilterBenchConfig : ManualConfig
{
    public FilterBenchConfig()
    {
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithClock(ThreadCpuClock.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(Setting("PERF_FILTER_WARMUPS", 4))
            .WithIterationCount(Setting("PERF_FILTER_ITERATIONS", 12))
            .WithId("InProcess-CPU");
        if (Setting("PERF_FILTER_ITERATION_MS", 0) is > 0 and int ms) job = job.WithIterationTime(TimeInterval.FromMilliseconds(ms));
        AddJob(job);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        AddExporter(CsvExporter.Default);
        WithOption(ConfigOptions.JoinSummary, true);
    }

    private static int Setting(string name, int otherwise) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : otherwise;
}
