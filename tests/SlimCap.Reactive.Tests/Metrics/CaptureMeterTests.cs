using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Tests.Infrastructure;
using static SlimCap.Reactive.Tests.Infrastructure.MeterProbe;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Metrics;

/// <summary>The listener tests run one at a time: whether the bytes instrument is enabled is process-wide.</summary>
[CollectionDefinition(nameof(MeterCollection), DisableParallelization = true)]
public sealed class MeterCollection;

/// <summary>
/// The "SlimCap.Reactive" meter as a listener sees it: each source's counters under its own tags, nothing left of a
/// disposed source, bytes walked only while someone listens, fan-out drops, and a live ring's kernel counters.
/// </summary>
[Collection(nameof(MeterCollection))]
public sealed class CaptureMeterTests
{
    private static string UniqueName(string what) => $"{what}-{Guid.NewGuid():N}"[..24];

    /// <summary>A ring image holding <paramref name="lengths"/>-sized frames, retired block by block.</summary>
    private static RingImageSource ImageWith(string name, IReadOnlyList<int> lengths)
    {
        var image = new RingImageSource(blockSize: 1 << 14, blockCount: 8, name: name);
        for (int i = 0; i < lengths.Count; i++)
        {
            byte[] frame = Frames.Udp(i, lengths[i]);
            if (!image.TryAddPacket(frame)) throw new InvalidOperationException($"frame {i} did not fit the image");
        }
        image.RetireBlock();
        image.Complete();
        return image;
    }

    [Fact]
    public void A_ring_image_reports_its_packets_bytes_and_leases_under_its_own_tags_until_disposed()
    {
        using var probe = new MeterProbe();
        string name = UniqueName("meter-image");
        int[] lengths = Enumerable.Range(0, 60).Select(i => 60 + i * 7).ToArray();
        RingImageSource image = ImageWith(name, lengths);

        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? first));
        List<Observed> holding = probe.Collect(name);
        Assert.Equal(1, ValueOf(holding, CaptureMetrics.OutstandingLeases));
        Assert.Equal(first!.RawPacketCount, ValueOf(holding, CaptureMetrics.Packets));
        Assert.All(holding, m => Assert.Equal("ring-image", m.Tag(CaptureMetrics.SourceKindTag)));
        Assert.Single(holding.Select(m => m.Tag(CaptureMetrics.SourceIdTag)).Distinct());
        first.Dispose();
        while (image.NextBlock(out PacketBlock? block) == CaptureStatus.Packet) block!.Dispose();

        List<Observed> read = probe.Collect(name);
        Assert.Equal(lengths.Length, ValueOf(read, CaptureMetrics.Packets));
        Assert.Equal(lengths.Sum(), ValueOf(read, CaptureMetrics.Bytes));
        Assert.Equal(0, ValueOf(read, CaptureMetrics.OutstandingLeases));
        Assert.DoesNotContain(read, m => m.Instrument.StartsWith("slimcap.kernel.", StringComparison.Ordinal)); // no kernel behind an image
        image.Dispose();
        Assert.Empty(probe.Collect(name));
    }

    [Fact]
    public void Bytes_are_summed_only_while_a_listener_has_the_bytes_instrument_enabled()
    {
        string name = UniqueName("meter-nobytes");
        using (var probe = new MeterProbe(instrument => instrument != CaptureMetrics.Bytes))
        {
            using RingImageSource image = ImageWith(name, [100, 200, 300]);
            while (image.NextBlock(out PacketBlock? block) == CaptureStatus.Packet) block!.Dispose();
            List<Observed> measured = probe.Collect(name);
            Assert.Equal(3, ValueOf(measured, CaptureMetrics.Packets));
            Assert.Equal(0, image.BytesRead);
        }
    }

    [Fact]
    public void A_pcapng_file_with_several_interfaces_reports_every_record_as_a_file_source()
    {
        using var probe = new MeterProbe();
        const string file = "gopacket-pcapgo-tests-le-test202.pcapng";
        int records = int.Parse(Corpus.Table("beyond-libpcap.tsv")[file]["records"]);
        using CaptureFileSource source = CaptureFileSource.Open(Corpus.PathOf("files", file));
        long bytes = 0;
        while (source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
            using (block) foreach (PacketRef p in block!) bytes += p.CapturedLength;

        List<Observed> measured = probe.Collect(source.Name);
        Assert.Equal(records, ValueOf(measured, CaptureMetrics.Packets));
        Assert.Equal(bytes, ValueOf(measured, CaptureMetrics.Bytes));
        Assert.Equal(0, ValueOf(measured, CaptureMetrics.OutstandingLeases));
        Assert.All(measured, m => Assert.Equal("file", m.Tag(CaptureMetrics.SourceKindTag)));
    }

    [Fact]
    public async Task Fan_out_drops_are_reported_per_target_with_the_source_it_reads()
    {
        using var probe = new MeterProbe();
        string name = UniqueName("meter-fanout");
        using RingImageSource image = ImageWith(name, Enumerable.Repeat(64, 500).ToArray());
        using var gate = new ManualResetEventSlim(false);
        var stalled = new ActionBlock<PacketBlock>(b => { gate.Wait(); b.Dispose(); }, new ExecutionDataflowBlockOptions { BoundedCapacity = 1 });
        var draining = new ActionBlock<PacketBlock>(b => b.Dispose(), new ExecutionDataflowBlockOptions { BoundedCapacity = 1 });
        using var broadcaster = new PacketBroadcaster([stalled, draining], new FanOutOptions { BoundedCapacity = 1, BackPressure = BackPressurePolicy.Drop });
        await broadcaster.RunAsync(image, TestContext.Current.CancellationToken);
        gate.Set();
        await broadcaster.Completion.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        List<Observed> drops = probe.Collect(name).Where(m => m.Instrument == CaptureMetrics.FanOutDrops).ToList();
        Assert.Equal(2, drops.Count);
        for (int target = 0; target < 2; target++)
        {
            Observed m = Assert.Single(drops, d => Equals(d.Tag(CaptureMetrics.FanOutTargetTag), target));
            Assert.Equal(broadcaster.GetCounters(target).PacketsDropped, m.Value);
            Assert.Equal("broadcast", m.Tag(CaptureMetrics.FanOutKindTag));
            Assert.Equal("ring-image", m.Tag(CaptureMetrics.SourceKindTag));
        }
        Assert.True(drops.Single(d => Equals(d.Tag(CaptureMetrics.FanOutTargetTag), 0)).Value > 0, "the stalled target dropped nothing");
    }

    [Fact]
    public void A_live_ring_reports_kernel_and_interface_counters_under_its_interface()
    {
        Privileges.RequireNetworkNamespaces();
        using var probe = new MeterProbe();
        using var net = new TestNetwork();
        const int count = 2000;
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface,
            new RingOptions { BlockCount = 16, BlockTimeout = TimeSpan.FromMilliseconds(10) }));
        using (var reader = new CaptureReader(ring, count))
        {
            net.InjectFromPeer(Enumerable.Range(0, count).Select(i => Frames.Udp(i, 100)));
            Assert.Equal(count, reader.Wait().Count);
            List<Observed> measured = probe.Collect(net.CaptureInterface);
            CaptureStats stats = ring.Stats;
            Assert.All(measured.Where(m => m.Instrument != CaptureMetrics.FanOutDrops), m => Assert.Equal("ring", m.Tag(CaptureMetrics.SourceKindTag)));
            Assert.InRange(ValueOf(measured, CaptureMetrics.KernelPackets), count, stats.PacketsReceived);
            Assert.InRange(ValueOf(measured, CaptureMetrics.Packets), reader.TotalRead, stats.PacketsReceived);
            Assert.Equal(stats.PacketsDropped, ValueOf(measured, CaptureMetrics.KernelDrops));
            Assert.Equal(stats.QueueFreezes, ValueOf(measured, CaptureMetrics.QueueFreezes));
            // sysfs shows the test's own namespace, not the capture namespace, so the interface counter is unknown (-1)
            // here and must then be left out rather than reported as a value.
            if (stats.InterfaceDropped >= 0) Assert.True(ValueOf(measured, CaptureMetrics.InterfaceDrops) >= 0);
            else Assert.DoesNotContain(measured, m => m.Instrument == CaptureMetrics.InterfaceDrops);
            Assert.Equal(100L * ValueOf(measured, CaptureMetrics.Packets), ValueOf(measured, CaptureMetrics.Bytes));
        }
        ring.Dispose();
        Assert.Empty(probe.Collect(net.CaptureInterface));
    }
}
