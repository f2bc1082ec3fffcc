// The referee's capturer for SlimCap.Reactive (see ../../../shared/bench/README.md, "The capturer contract"):
//   SlimCap.Reactive.Capturer MODE IFACE COUNT [snaplen] [bufferMiB]
//   SlimCap.Reactive.Capturer read MODE FILE [passes]     (the file-read benchmark, FileRead.cs)
// Warms the mode's code up on an in-memory ring image (replay) before `ready`, so that the measured
// window holds steady-state code rather than the JIT's tier-0 code and rejit (WARMUP_MS, default 1500;
// 0 disables). Prints `ready` once the socket is bound and the ring mapped; counts CPU (process-wide,
// getrusage) and allocated bytes from the first packet; ends after COUNT packets or on SIGTERM/SIGINT
// with one key=value line. wall_s ends at the last packet on the count path; on the signal path it
// includes the idle wait before the signal.
using System.Globalization;
using System.Runtime.InteropServices;
using SlimCap.Reactive;
using SlimCap.Reactive.Capturer;
using SlimCap.Reactive.Packets;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "read") return FileRead.Run(args);
if (args.Length < 3)
{
    Console.Error.WriteLine($"usage: capture MODE IFACE COUNT [snaplen=128] [bufferMiB=64]; modes: {string.Join(", ", Mode.Names)}");
    return 2;
}
Mode? mode = Mode.Create(args[0]);
if (mode is null)
{
    Console.Error.WriteLine($"capture: unknown mode '{args[0]}'; modes: {string.Join(", ", Mode.Names)}");
    return 2;
}
string iface = args[1];
long want = long.Parse(args[2], CultureInfo.InvariantCulture);
int snap = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 128;
int bufMiB = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 64;
int warmupMs = int.TryParse(Environment.GetEnvironmentVariable("WARMUP_MS"), out int w) ? w : 1500;

var stop = new StopSignal();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Request(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Request(); });

SignalMask.BlockTerminationSignals();
if (warmupMs > 0) WarmUp.Run(mode, snap, TimeSpan.FromMilliseconds(warmupMs));

var meter = new Meter();
CaptureStats stats;
if (mode is FanoutGroupMode group && iface != "@image")
{
    // A fan-out group is several sources: the mode opens it, prints `ready` and returns the members' summed stats.
    stats = group.RunLive(iface, snap, bufMiB, meter, want, stop);
}
else
{
    // IFACE "@image": the in-memory ring image instead of an interface (profiling without traffic).
    CaptureSource source = iface == "@image" ? WarmUp.Image(snap) : mode.Open(iface, snap, bufMiB);
    stop.Attach(source);
    Console.Out.WriteLine("ready");
    Console.Out.Flush();
    mode.Run(source, meter, want, stop);
    // The window ends with the mode's work, as the stream modes end it themselves: reading the stats (a /sys file) and
    // closing the source are not capture. Counted before, they were 16.7 KB of "steady-state" allocation in the
    // callback modes' figures.
    meter.Finish();
    stats = source.Stats;
    source.Dispose();
}
Meter.Result r = meter.Finish();

long n = r.Packets;
string tiered = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? "default";
string sampled = mode is ISampling ? $" delivered={r.Sampled}" : "";
string members = mode is FanoutGroupMode ? $" members={Environment.GetEnvironmentVariable("FANOUT_MEMBERS") ?? "2"}" : "";
Console.Out.WriteLine(
    $"slimcap-{mode.Name} captured={n} bytes={r.Bytes} kernel_received={stats.PacketsReceived} kernel_dropped={stats.PacketsDropped} " +
    $"cpu_s={r.CpuSeconds:F3} wall_s={r.WallSeconds:F3} cpu_ns_per_pkt={(n > 0 ? r.CpuSeconds * 1e9 / n : 0):F1} " +
    $"alloc_bytes_per_pkt={(n > 0 ? (double)r.AllocatedBytes / n : 0):F4} alloc_bytes={r.AllocatedBytes} touch={r.Touch}{sampled}{members} " +
    $"warmup_ms={warmupMs} tiered={tiered}{(stop.Requested ? " stopped=signal" : "")}");
Console.Out.Flush();
return 0;

/// <summary>Modes that deliver only some packets to the consumer (sampling); they print delivered=.</summary>
internal interface ISampling;
