<Query Kind="Statements">
  <NuGetReference>SlimCap.Reactive</NuGetReference>
  <Namespace>System.Net</Namespace>
  <Namespace>System.Reactive.Linq</Namespace>
  <Namespace>SlimCap.Reactive</Namespace>
  <Namespace>SlimCap.Reactive.Files</Namespace>
  <Namespace>SlimCap.Reactive.Packets</Namespace>
</Query>

// Packet-size histogram with Rx: each packet's length on the wire into a power-of-two bucket, counted per bucket.
// Set SLIMCAP_SAMPLE_FILE, or put your own path here.
string path = Environment.GetEnvironmentVariable("SLIMCAP_SAMPLE_FILE") ?? @"/tmp/trace.pcap";

// The lower bound of a length's bucket: 0-63 together, then 64, 128, 256, ... up to 2048 (and longer).
static long Bucket(long length) => length < 64 ? 0 : Math.Min(2048, 1L << (63 - (int)long.LeadingZeroCount(length)));

using CaptureFileSource file = CaptureFileSource.Open(path);
// Packets() hands each PacketRef to the next operator during OnNext only; Select turns it into a plain value at once.
IList<(long Bucket, int Packets)> histogram = await file.ToObservable().Packets()
    .Select(p => Bucket(p.TotalLength))
    .GroupBy(bucket => bucket)
    .SelectMany(g => g.Count().Select(n => (g.Key, n)))
    .ToList();

histogram.OrderBy(h => h.Bucket)
    .Select(h => new { From = h.Bucket, Packets = h.Packets, Bar = new string('#', Math.Max(1, h.Packets * 40 / histogram.Max(x => x.Packets))) })
    .Dump("Packets by length on the wire");
$"{histogram.Sum(h => h.Packets)} packets".Dump();
