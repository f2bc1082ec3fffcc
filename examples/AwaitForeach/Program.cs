using SlimCap.Examples;
using SlimCap.Reactive;

// await foreach over a capture: each PacketRef is valid until the next iteration; the block behind it goes back to
// the kernel as soon as the loop moves past its last packet. Ends after 20 packets, or 10 seconds.
//   dotnet run --project examples/AwaitForeach            capture on loopback, sending itself a few UDP datagrams
//   dotnet run --project examples/AwaitForeach -- eth0    capture on another interface
string device = args.Length > 0 ? args[0] : "lo";
const int Wanted = 20;

// The one line that opens the source. A capture file will open here too once the file reader exists.
CaptureSource Open() => new RingSource(device, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(20) });

using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
Task traffic = device == "lo" ? LoopbackSender.SendAsync(Wanted * 2, TimeSpan.FromMilliseconds(20), 33334, timeout.Token) : Task.CompletedTask;
Console.WriteLine($"Capturing {Wanted} packets on {device}...");
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
