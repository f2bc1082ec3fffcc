using System.Reactive.Linq;
using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

// An Rx query over a capture: packets and bytes per second by packet type, for 5 seconds (of wall-clock time: a
// capture file is read as fast as it goes, so its packets mostly land in the first second, and the query ends with it).
//   dotnet run --project examples/RxQuery                    capture on loopback, sending itself UDP datagrams
//   dotnet run --project examples/RxQuery -- eth0            capture on another interface
//   dotnet run --project examples/RxQuery -- trace.pcapng    read a capture file (pcap or pcapng)
string target = args.Length > 0 ? args[0] : "lo";
const int Seconds = 5;

// The one line that opens the source: a capture file if the argument names one, else a TPACKET_V3 ring on the interface.
// Live capture is Linux-only ([SupportedOSPlatform("linux")]); the guard tells the platform analyzer this branch is.
CaptureSource Open() => File.Exists(target) ? CaptureFileSource.Open(target)
    : OperatingSystem.IsLinux() ? new RingSource(target, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(50) })
    : throw new PlatformNotSupportedException($"live capture needs Linux; on this OS pass a capture file ('{target}' is none)");

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(Seconds + 5));
Task traffic = target == "lo" ? LoopbackSender.SendAsync(Seconds * 40, TimeSpan.FromMilliseconds(25), 33335, stop.Token) : Task.CompletedTask;
Console.WriteLine($"Packets and bytes per second by packet type from {target}, for {Seconds} s:");

// Packets() hands each PacketRef to the next operator during OnNext only and releases the block right after; the
// Select turns each packet into plain values at once, so Window and GroupBy below hold no packet and no block.
IObservable<string> report = CaptureObservable.Create(Open)
    .Packets()
    .Select(p => (p.Type, Bytes: p.TotalLength))
    .Window(TimeSpan.FromSeconds(1))
    .Take(Seconds)
    .Select((window, second) => window
        .GroupBy(p => p.Type)
        .SelectMany(byType => byType.Aggregate((Packets: 0L, Bytes: 0L), (sum, p) => (sum.Packets + 1, sum.Bytes + p.Bytes))
            .Select(sum => $"  {byType.Key,-9} {sum.Packets,6} pkt/s {sum.Bytes,9} B/s"))
        .ToList()
        .Select(lines => $"second {second + 1}:" + (lines.Count == 0 ? " no packets" : Environment.NewLine + string.Join(Environment.NewLine, lines.Order()))))
    .Concat();

try
{
    await report.Do(Console.WriteLine).LastOrDefaultAsync().RunAsync(stop.Token);
}
catch (CaptureException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
catch (OperationCanceledException)
{
    Console.WriteLine("Stopped.");
}
await traffic;
return 0;
