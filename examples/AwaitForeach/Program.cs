using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

// await foreach over a capture: each PacketRef is valid until the next iteration; the block behind it goes back to
// the kernel as soon as the loop moves past its last packet. Ends after 20 packets, or 10 seconds.
//   dotnet run --project examples/AwaitForeach                    capture on loopback, sending itself a few UDP datagrams
//   dotnet run --project examples/AwaitForeach -- eth0            capture on another interface
//   dotnet run --project examples/AwaitForeach -- trace.pcapng    read a capture file (pcap or pcapng)
string target = args.Length > 0 ? args[0] : "lo";
const int Wanted = 20;

// The one line that opens the source: a capture file if the argument names one, else a TPACKET_V3 ring on the interface.
// Live capture is Linux-only ([SupportedOSPlatform("linux")]); the guard tells the platform analyzer this branch is.
CaptureSource Open() => File.Exists(target) ? CaptureFileSource.Open(target)
    : OperatingSystem.IsLinux() ? new RingSource(target, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(20) })
    : throw new PlatformNotSupportedException($"live capture needs Linux; on this OS pass a capture file ('{target}' is none)");

using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
Task traffic = target == "lo" ? LoopbackSender.SendAsync(Wanted * 2, TimeSpan.FromMilliseconds(20), 33334, timeout.Token) : Task.CompletedTask;
Console.WriteLine($"Reading up to {Wanted} packets from {target}...");
int seen = 0;
try
{
    await foreach (PacketRef packet in CaptureAsyncEnumerable.ReadAllAsync(Open, timeout.Token))
    {
        ulong flow = FlowKey.Symmetric5Tuple(packet);
        Console.WriteLine($"#{seen,-3} {packet.Timestamp:HH:mm:ss.ffffff} {packet.Type,-9} {packet.TotalLength,5} bytes  flow {flow:x16}");
        if (++seen == Wanted) break; // stops the capture and returns every block to the kernel
    }
}
catch (OperationCanceledException)
{
    Console.WriteLine($"Timed out with {seen} of {Wanted} packets.");
}
catch (CaptureException e)
{
    Console.Error.WriteLine(e.Message); // typed, and says what to do (no such interface, CAP_NET_RAW missing, ...)
    return 1;
}
await traffic;
return 0;
