<Query Kind="Statements">
  <NuGetReference>SlimCap.Reactive</NuGetReference>
  <Namespace>System.Net</Namespace>
  <Namespace>System.Reactive.Linq</Namespace>
  <Namespace>SlimCap.Reactive</Namespace>
  <Namespace>SlimCap.Reactive.Files</Namespace>
  <Namespace>SlimCap.Reactive.Packets</Namespace>
</Query>

// A pcapng file with several interfaces (and link types): packets kept as snapshots, plain values that outlive their
// blocks, then grouped with LINQ. Dumping a PacketRef after its block went back shows only a note, never stale bytes.
// Set SLIMCAP_SAMPLE_FILE, or put your own path here.
string path = Environment.GetEnvironmentVariable("SLIMCAP_SAMPLE_FILE") ?? @"/tmp/trace.pcapng";

IList<PacketSnapshot> packets;
using (CaptureFileSource file = CaptureFileSource.Open(path))
    packets = await file.ToObservable().Snapshots().ToList();

packets.Take(3).Dump("The first packets");
packets.GroupBy(p => (p.InterfaceIndex, p.LinkType))
    .OrderBy(g => g.Key.InterfaceIndex)
    .Select(g => new { Interface = g.Key.InterfaceIndex, LinkType = g.Key.LinkType, Packets = g.Count(), Bytes = g.Sum(p => p.TotalLength) })
    .Dump("Packets by interface");
$"{packets.Count} packets".Dump();
