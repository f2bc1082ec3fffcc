using System.Reactive.Linq;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive.Operators;

/// <summary>
/// Rx as people write it, over a capture file of the corpus, 200 runs per operator (each run opens the file afresh
/// through <see cref="CaptureObservable.Create(Func{CaptureSource})"/>): no run hangs past 5 s, descriptors and mappings
/// come back, every block an Rx operator dropped is found by the collector and counted, and the lease-aware
/// replacements (<c>ObserveLeasesOn</c>, <c>WhereBlocks</c>, <c>SampleByTime</c>, <c>ShareLeases</c>) leave nothing
/// for the collector at all.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class RxOperatorsOverAFileTests
{
    private const string FileName = "tcpdump-mptcp-v0.pcap"; // 264 records, about ten 4 KiB blocks

    // Room for every block of the file: an operator that drops leases never starves the file's pool within a run.
    private static readonly CaptureFileOptions Options = new() { BlockSize = 4096, BlockCount = 16 };

    private static readonly Lazy<long> s_records = new(() =>
    {
        using var file = CaptureFileSource.Open(Corpus.PathOf("files", FileName), Options);
        long n = 0;
        while (file.NextBlock(out PacketBlock? b) == CaptureStatus.Packet) using (b) n += b!.PacketCount;
        return n;
    });

    public static TheoryData<string> Scenarios() => RxScenarios.Names(RxScenarios.File);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Each_operator_200_times_over_a_file_releases_everything_and_counts_what_it_drops(string name)
    {
        RxScenario scenario = RxScenarios.File.Single(s => s.Name == name);
        string path = Corpus.PathOf("files", FileName);
        LeaseTally tally = RxLeaseHarness.RunScenario(scenario, (t, _) => t.Count(CaptureObservable.Create(() => CaptureFileSource.Open(path, Options))));
        if (scenario.WholeFile)
            Assert.True(tally.PacketsIn >= RxLeaseHarness.Runs * scenario.Sources * s_records.Value, $"{name}: the file was not read to its end every run ({tally})");
        if (scenario.OutPerIn != 0)
            Assert.True(tally.PacketsOut == scenario.OutPerIn * tally.PacketsIn, $"{name}: packets went missing ({tally})");
    }
}
