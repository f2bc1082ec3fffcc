<Query Kind="Statements">
  <NuGetReference>SlimCap.Reactive</NuGetReference>
  <Namespace>System.Net</Namespace>
  <Namespace>System.Reactive.Linq</Namespace>
  <Namespace>SlimCap.Reactive</Namespace>
  <Namespace>SlimCap.Reactive.Dataflow</Namespace>
  <Namespace>SlimCap.Reactive.Files</Namespace>
</Query>

// Flows per second with Rx: packets grouped into one-second windows of their capture timestamps (a file replays far
// faster than it was captured, so windows of the packets' own time, not the wall clock), distinct flows counted in each.
// Set SLIMCAP_SAMPLE_FILE, or put your own path here.
string path = Environment.GetEnvironmentVariable("SLIMCAP_SAMPLE_FILE") ?? @"/tmp/trace.pcap";

using CaptureFileSource file = CaptureFileSource.Open(path);
IList<(long Second, int Packets, int Flows)> perSecond = await file.ToObservable().Packets()
    .Select(p => (Second: p.TimestampNanoseconds / 1_000_000_000, Flow: FlowKey.Symmetric5Tuple(p)))
    .GroupBy(x => x.Second)
    .SelectMany(window => window.ToList().Select(w => (window.Key, w.Count, w.Select(x => x.Flow).Distinct().Count())))
    .ToList();

perSecond.OrderBy(s => s.Second)
    .Select(s => new { Second = DateTimeOffset.FromUnixTimeSeconds(s.Second), s.Packets, s.Flows })
    .Dump("Packets and distinct flows per second");
$"{perSecond.Count} seconds".Dump();
