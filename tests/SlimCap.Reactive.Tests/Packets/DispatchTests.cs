using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Packets;

/// <summary>
/// <see cref="CaptureSource.Dispatch{TState}"/> (libpcap's pcap_dispatch): one block per call, through the storage's own
/// walk, mixed with the per-packet calls, over a ring image, a capture file and a live ring; a throwing callback and a
/// source closed on another thread mid-walk.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class DispatchTests
{
    private static readonly PacketCallback<List<long>> Record = static (seen, payload, _, _, _) => seen.Add(Frames.SequenceOf(payload));

    /// <summary>An image of <paramref name="perBlock"/>.Length blocks holding that many packets each, numbered from 0.</summary>
    private static RingImageSource Image(params int[] perBlock)
    {
        var image = new RingImageSource(blockSize: 1 << 16, blockCount: perBlock.Length);
        long sequence = 0;
        foreach (int count in perBlock)
        {
            for (int i = 0; i < count; i++) Assert.True(image.TryAddPacket(LeaseRace.FrameOf(sequence++), (PacketType)(sequence % 5)));
            image.RetireBlock();
        }
        image.Complete();
        return image;
    }

    [Fact]
    public void Each_call_passes_one_block_and_gives_it_back_at_its_end()
    {
        using RingImageSource image = Image(7, 1, 30);
        var seen = new List<long>();
        foreach (int expected in new[] { 7, 1, 30 })
        {
            Assert.Equal(CaptureStatus.Packet, image.Dispatch(seen, Record, out int packets));
            Assert.Equal(expected, packets);
            Assert.Equal(0, image.LeasedBlocks); // back to the kernel within the call that passed its last packet
        }
        Assert.Equal(CaptureStatus.Stopped, image.Dispatch(seen, Record, out int none));
        Assert.Equal(0, none);
        Assert.Equal(Enumerable.Range(0, 38).Select(i => (long)i), seen);
    }

    [Fact]
    public void It_passes_what_the_callback_style_passes()
    {
        var expected = new List<(long, long, PacketType, int)>();
        using (RingImageSource image = Image(50, 3, 20))
            while (image.NextPacket(expected, static (list, payload, total, type, ip) => list.Add((Frames.SequenceOf(payload), total, type, ip))) == CaptureStatus.Packet) { }
        var got = new List<(long, long, PacketType, int)>();
        using (RingImageSource image = Image(50, 3, 20))
            while (image.Dispatch(got, static (list, payload, total, type, ip) => list.Add((Frames.SequenceOf(payload), total, type, ip)), out _) == CaptureStatus.Packet) { }
        Assert.Equal(73, expected.Count);
        Assert.Equal(expected, got);
    }

    [Fact]
    public void Mixed_with_the_packet_calls_every_packet_is_seen_once_in_order()
    {
        var random = new Random(5);
        for (int round = 0; round < 50; round++)
        {
            int[] blocks = Enumerable.Range(0, 6).Select(_ => random.Next(1, 40)).ToArray();
            using RingImageSource image = Image(blocks);
            var seen = new List<long>();
            while (true)
            {
                CaptureStatus status;
                switch (random.Next(4))
                {
                    case 0:
                        status = image.Dispatch(seen, Record, out int passed, maxPackets: random.Next(1, 5));
                        if (status == CaptureStatus.Packet) Assert.InRange(passed, 1, 4);
                        break;
                    case 1:
                        status = image.NextPacketRef(out PacketRef p);
                        if (status == CaptureStatus.Packet) seen.Add(Frames.SequenceOf(p.Data));
                        break;
                    case 2:
                        status = image.NextPacket(seen, Record);
                        break;
                    default:
                        status = image.Dispatch((payload, _, _, _) => seen.Add(Frames.SequenceOf(payload)), out _);
                        break;
                }
                if (status == CaptureStatus.Stopped) break;
            }
            Assert.Equal(Enumerable.Range(0, blocks.Sum()).Select(i => (long)i), seen);
            Assert.Equal(0, image.LeasedBlocks);
        }
    }

    [Fact]
    public void A_callback_that_throws_gives_its_block_back_and_the_next_call_goes_on_with_the_next_block()
    {
        using RingImageSource image = Image(10, 4);
        var boom = new InvalidOperationException("boom");
        int calls = 0;
        Assert.Same(boom, Assert.Throws<InvalidOperationException>(() => image.Dispatch((_, _, _, _) => { if (++calls == 3) throw boom; }, out _)));
        Assert.Equal(0, image.LeasedBlocks);
        var seen = new List<long>();
        Assert.Equal(CaptureStatus.Packet, image.Dispatch(seen, Record, out int packets));
        Assert.Equal([10L, 11, 12, 13], seen);
        Assert.Equal(4, packets);
    }

    [Fact]
    public void Bad_arguments_are_refused_before_anything_is_read()
    {
        using RingImageSource image = Image(3);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Dispatch(new List<long>(), Record, out _, maxPackets: 0));
        Assert.Throws<ArgumentNullException>(() => image.Dispatch<object?>(null, null!, out _));
        Assert.Throws<ArgumentNullException>(() => image.Dispatch(null!, out _));
        Assert.Equal(0, image.LeasedBlocks);
        var seen = new List<long>();
        Assert.Equal(CaptureStatus.Packet, image.Dispatch(seen, Record, out _));
        Assert.Equal([0L, 1, 2], seen);
    }

    [Fact]
    public void Over_a_capture_file_it_passes_every_record()
    {
        string path = Corpus.PathOf("files", SampleChecks.Afs);
        var expected = new List<byte[]>();
        using (CaptureFileSource file = CaptureFileSource.Open(path))
            while (file.NextPacketRef(out PacketRef p) == CaptureStatus.Packet) expected.Add(p.Data.ToArray());
        var got = new List<byte[]>();
        using (CaptureFileSource file = CaptureFileSource.Open(path))
        {
            while (file.Dispatch(got, static (list, payload, _, _, _) => list.Add(payload.ToArray()), out _, maxPackets: 100) == CaptureStatus.Packet) { }
            Assert.Equal(0, file.LeasedBlocks);
        }
        Assert.True(expected.Count > 100);
        Assert.Equal(expected, got);
    }

    [Theory]
    [InlineData("dispatch")]
    [InlineData("callback")]
    public void A_source_closed_on_another_thread_mid_walk_ends_the_call_with_object_disposed(string style)
    {
        PacketCallback<ManualResetEventSlim> onPacket = static (signal, payload, _, _, _) =>
        {
            signal.Set();
            _ = payload[^1]; // a header read after the release would give an empty payload
        };
        int refused = 0, passed = 0;
        for (int i = 0; i < 300; i++)
        {
            var image = new RingImageSource(blockSize: 1 << 20, blockCount: 2);
            for (long s = 0; image.TryAddPacket(LeaseRace.FrameOf(s)); s++) { }
            using var inside = new ManualResetEventSlim();
            Exception? error = null;
            var reader = new Thread(() =>
            {
                try
                {
                    int n = 1;
                    while ((style == "dispatch" ? image.Dispatch(inside, onPacket, out n) : image.NextPacket(inside, onPacket)) == CaptureStatus.Packet)
                        Interlocked.Add(ref passed, n);
                }
                catch (Exception e)
                {
                    error = e;
                }
            }) { IsBackground = true };
            reader.Start();
            inside.Wait(TestContext.Current.CancellationToken);
            Thread.SpinWait(i * 50);
            image.Dispose();
            Assert.True(reader.Join(TimeSpan.FromSeconds(10)), $"iteration {i}: the reader did not end after the dispose");
            if (error is not null)
            {
                ObjectDisposedException disposed = Assert.IsType<ObjectDisposedException>(error);
                Assert.Contains("was closed", disposed.Message, StringComparison.Ordinal);
                refused++;
            }
            Assert.Equal(0, image.LeasedBlocks);
        }
        Assert.True(refused > 0, "no walk was ever cut short: the races did not race");
        Assert.True(passed > 0);
    }

    [Fact]
    public void Over_a_live_ring_it_sees_every_frame_in_order()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 5_000;
        byte[][] sent = Enumerable.Range(0, count).Select(i => Frames.Udp(i, 60 + i % 900)).ToArray();
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockCount = 32, BlockTimeout = TimeSpan.FromMilliseconds(10) }));
        net.InjectFromPeer(sent);
        var got = new List<byte[]>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (got.Count < count && DateTime.UtcNow < deadline)
            ring.Dispatch(got, static (list, payload, total, type, ip) =>
            {
                Assert.Equal(PacketType.OtherHost, type);
                Assert.Equal(14, ip);
                Assert.Equal(payload.Length, total);
                list.Add(payload.ToArray());
            }, out _);
        Assert.Equal(count, got.Count);
        for (int i = 0; i < count; i++) Assert.Equal(sent[i], got[i]);
        Assert.Equal(0, ring.Stats.PacketsDropped);
    }
}
