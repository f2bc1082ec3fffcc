#:project ../../src/SlimCap.Reactive/SlimCap.Reactive.csproj
// Top talkers by IPv4 source, from a capture file or (Linux, root) an interface, as a .NET 10 file-based app:
//   dotnet run samples/scripts/top-talkers.cs -- trace.pcapng        any OS, no privileges
//   sudo dotnet run samples/scripts/top-talkers.cs -- eth0 10        Linux: capture 10 seconds on eth0
using System.Net;
using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

string target = args.Length > 0 ? args[0] : "lo";
TimeSpan duration = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);

CaptureSource source = File.Exists(target) ? CaptureFileSource.Open(target)
    : OperatingSystem.IsLinux() ? new RingSource(target, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(100) })
    : throw new PlatformNotSupportedException($"'{target}' is no file, and live capture needs Linux");
using var stop = new CancellationTokenSource(duration); // ends a live capture; a file ends by itself

var bySource = new Dictionary<IPAddress, (long Packets, long Bytes)>();
long total = 0;
using (source)
{
    try
    {
        await foreach (PacketRef p in source.ReadAllAsync(stop.Token))
        {
            total++;
            if (Ipv4Source(p) is not IPAddress address) continue;
            var (packets, bytes) = bySource.GetValueOrDefault(address);
            bySource[address] = (packets + 1, bytes + p.TotalLength);
        }
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
    }
}

Console.WriteLine($"{"source",-16} {"packets",8} {"bytes",10}");
foreach (var (address, (packets, bytes)) in bySource.OrderByDescending(s => s.Value.Bytes).ThenBy(s => s.Key.ToString()).Take(10))
    Console.WriteLine($"{address,-16} {packets,8} {bytes,10}");
Console.WriteLine($"{total} packets from {target}");

// The PacketRef is valid until the loop moves on, so the address is read out inside the loop.
static IPAddress? Ipv4Source(PacketRef p)
{
    ReadOnlySpan<byte> ip = p.IpLayer;
    return ip.Length >= 20 && ip[0] >> 4 == 4 ? new IPAddress(ip.Slice(12, 4)) : null;
}
