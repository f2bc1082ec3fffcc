using BenchmarkDotNet.Running;

// perf/micro.sh runs this in Release: dotnet SlimCap.Reactive.Benchmarks.dll --filter '*' [BenchmarkDotNet options]
BenchmarkSwitcher.FromAssembly(typeof(SlimCap.Reactive.Benchmarks.BenchConfig).Assembly).Run(args);
