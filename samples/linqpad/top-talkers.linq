<Query Kind="Statements">
  <NuGetReference>SlimCap.Reactive</NuGetReference>
  <Namespace>System.Net</Namespace>
  <Namespace>System.Reactive.Linq</Namespace>
  <Namespace>SlimCap.Reactive</Namespace>
  <Namespace>SlimCap.Reactive.Files</Namespace>
  <Namespace>SlimCap.Reactive.Packets</Namespace>
</Query>

// Top talkers: packets and bytes on the wire by IPv4 source, from a capture file (no root needed).
// Set SLIMCAP_SAMPLE_FILE, or put your own path here.
string path = Environment.GetEnvironmentVariable("SLIMCAP_SAMPLE_FILE") ?? @"/tmp/trace.pcap";

// A PacketRef lives until the loop moves on: read what you need from it inside the loop.
string? Ipv4Source(PacketRef p)
{
    ReadOnlySpan<byte> ip = p.IpLayer;
    return ip.Length >= 20 && ip[0] >> 4 == 4 ? new IPAddress(ip.Slice(12, 4)).ToString() : null;
}

var bySource = new Dictionary<string, (long Packets, long Bytes)>();
long total = 0;
using (CaptureFileSource file = CaptureFileSource.Open(path))
    await foreach (PacketRef p in file.ReadAllAsync())
    {
        total++;
        if (Ipv4Source(p) is not string source) continue;
        var (packets, bytes) = bySource.GetValueOrDefault(source);
        bySource[source] = (packets + 1, bytes + p.TotalLength);
    }

bySource.OrderByDescending(s => s.Value.Bytes).ThenBy(s => s.Key).Take(10)
    .Select(s => new { Source = s.Key, s.Value.Packets, s.Value.Bytes })
    .Dump("Top talkers by bytes");
$"{total} packets".Dump();
