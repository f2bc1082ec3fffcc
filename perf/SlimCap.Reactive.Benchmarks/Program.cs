using BenchmarkDotNet.Running;
using SlimCap.Reactive.Benchmarks.Filtering;

// perf/micro.sh runs this in Release: dotnet SlimCap.Reactive.Benchmarks.dll --filter '*' [BenchmarkDotNet options]
// perf/filters.sh runs the filter benchmarks (a mode of their own, never part of micro.sh's '*'):
//   dotnet SlimCap.Reactive.Benchmarks.dll filters --filter '*' [BenchmarkDotNet options]    (filters ids: the expression ids it measures)
Type[] filters = [typeof(FilterBenchmarks), typeof(FilterCompileBenchmarks)];
if (args is ["filters", "ids"])
    Console.WriteLine(string.Join(' ', FilterData.SelectedIds())); // perf/filters.sh gives the C baseline the same set
else if (args is ["filters", ..])
    BenchmarkSwitcher.FromTypes(filters).Run(args[1..]);
else
    BenchmarkSwitcher.FromTypes([.. typeof(SlimCap.Reactive.Benchmarks.BenchConfig).Assembly.GetExportedTypes()
        .Where(t => t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false))).Except(filters)]).Run(args);
