using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>The plain socket source (recvmmsg batches) on a veth pair between two test namespaces.</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LiveSocketCaptureTests
{

    [Fact]
    public void Frames_arrive_byte_exact_with_wire_length_type_vlan_and_timestamps()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 3000;
        byte[][] sent = Enumerable.Range(0, count)
            .Select(i => Frames.Udp(i, 60 + i % 900, vlanTci: i % 10 == 0 ? (ushort)(i % 4000 + 1) : null)).ToArray();
        // A snap length below some frames, so the wire length (from PACKET_AUXDATA) differs from the captured one.
        using SocketSource socket = net.Capture(() => new SocketSource(net.CaptureInterface,
            new SocketOptions { CaptureLength = CaptureLength.Fixed(600), BatchBufferCount = 64, ReceiveBufferSize = 64 << 20 }));
        using var reader = new CaptureReader(socket, count);
        net.InjectFromPeer(sent);
        List<CapturedFrame> frames = reader.Wait();

        CaptureStats stats = socket.Stats;
        Assert.Equal(stats.PacketsReceived, reader.TotalRead + stats.PacketsDropped);
        // A 64 MiB receive queue holds every frame even when the reader is slow.
        Assert.Equal(0, stats.PacketsDropped);
        Assert.Equal(count, frames.Count);
        long last = -1;
        long startedNs = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000) * 1_000_000L;
        foreach (CapturedFrame f in frames)
        {
            Assert.True(f.Sequence > last, "out of order");
            last = f.Sequence;
            byte[] expected = sent[f.Sequence];
            bool tagged = f.Sequence % 10 == 0;
            if (tagged)
            {
                Assert.True(f.HasVlan);
                Assert.Equal(f.Sequence % 4000 + 1, f.VlanTci);
                expected = [.. expected.AsSpan(0, 12), .. expected.AsSpan(16)];
            }
            else
            {
                Assert.False(f.HasVlan);
            }
            Assert.Equal(expected.AsSpan(0, Math.Min(600, expected.Length)).ToArray(), f.Data);
            Assert.Equal(expected.Length, f.TotalLength);
            Assert.Equal(PacketType.OtherHost, f.Type);
            // Taken per packet on the receiving vCPU: after the test began, not necessarily in queue order (see below).
            Assert.True(f.TimestampNs >= startedNs, $"timestamp {f.TimestampNs} before the test began ({startedNs})");
        }
    }

    [Theory]
    [InlineData(7, 16 * 1024)]  // calls end inside buffers, buffers inside calls
    [InlineData(1, 8 * 1024)]   // one message per call
    [InlineData(1024, 64 * 1024)] // the kernel's maximum; the buffer's free slots limit each call instead
    public void Queued_frames_cross_call_and_buffer_boundaries_byte_exact_with_per_packet_metadata(int messagesPerCall, int bufferSize)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 4000, snap = 301; // odd, so records and slots are realigned to 8 bytes
        byte[] broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        byte[] multicast = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01];
        // Neighbours differ in everything the kernel reports per message (sockaddr_ll, auxdata, length),
        // so a slot, address or control buffer read for the wrong message shows up.
        byte[] DestinationOf(int i) => i % 7 == 3 ? broadcast : i % 11 == 5 ? multicast : Frames.OtherMac;
        PacketType TypeOf(int i) => i % 7 == 3 ? PacketType.Broadcast : i % 11 == 5 ? PacketType.Multicast : PacketType.OtherHost;
        byte[][] sent = Enumerable.Range(0, count)
            .Select(i => Frames.Udp(i, i % 5 == 0 ? 1514 : 60 + (i * 37) % 400, destinationMac: DestinationOf(i),
                vlanTci: i % 3 == 1 ? (ushort)(i % 4000 + 1) : null)).ToArray();
        using SocketSource socket = net.Capture(() => new SocketSource(net.CaptureInterface, new SocketOptions
        {
            CaptureLength = CaptureLength.Fixed(snap), BatchBufferSize = bufferSize, BatchBufferCount = 4,
            MessagesPerCall = messagesPerCall, ReceiveBufferSize = 64 << 20,
        }));
        // Everything is queued before the first read, so every call finds more than it can take.
        long injectedFrom = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        net.InjectFromPeer(sent);
        long injectedTo = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        using var deadline = new Timer(_ => socket.Dispose(), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);

        var frames = new List<CapturedFrame>(count);
        int blocks = 0, largestBlock = 0, strays = 0;
        while (frames.Count < count)
        {
            CaptureStatus status = socket.NextBlock(out PacketBlock? block);
            if (status == CaptureStatus.Stopped) break;
            if (status != CaptureStatus.Packet) continue;
            using (block)
            {
                blocks++;
                largestBlock = Math.Max(largestBlock, block!.PacketCount);
                Assert.True(block.Bytes.Length <= bufferSize);
                foreach (PacketRef p in block)
                {
                    var frame = CapturedFrame.From(p);
                    if (frame.Sequence >= 0) frames.Add(frame);
                    else strays++;
                }
            }
        }

        Assert.Equal(count, frames.Count);
        Assert.Equal(0, socket.Stats.PacketsDropped);
        Assert.Equal(count + strays, socket.Stats.PacketsReceived);
        // The buffers filled up: a block spans several calls when a call takes fewer than fit.
        int slotsPerBuffer = (bufferSize - SocketBatch.HeaderSize) / ((SocketBatch.HeaderSize + snap + 7) & ~7);
        Assert.True(blocks < count / 4, $"{blocks} blocks for {count} queued frames: the buffers were not filled");
        if (messagesPerCall < slotsPerBuffer) Assert.True(largestBlock > messagesPerCall, $"largest block {largestBlock}");
        for (int i = 0; i < count; i++)
        {
            CapturedFrame f = frames[i];
            Assert.Equal(i, f.Sequence); // in order, none twice, none missing
            byte[] expected = sent[i];
            if (i % 3 == 1)
            {
                Assert.True(f.HasVlan, $"frame {i}");
                Assert.Equal(i % 4000 + 1, f.VlanTci);
                Assert.Equal(0x8100, f.VlanTpid);
                expected = [.. expected.AsSpan(0, 12), .. expected.AsSpan(16)];
            }
            else
            {
                Assert.False(f.HasVlan, $"frame {i}");
            }
            Assert.Equal(expected.AsSpan(0, Math.Min(snap, expected.Length)).ToArray(), f.Data);
            Assert.Equal(expected.Length, f.TotalLength);
            Assert.Equal(TypeOf(i), f.Type);
            Assert.Equal(socket.Link.Index, f.InterfaceIndex);
            // Each packet's own kernel timestamp: within the injection window, which is what the kernel guarantees. Not
            // their order: each is taken on whichever vCPU's softirq received the frame, and a busy machine delays one
            // vCPU's backlog by tens of milliseconds behind another's (seen: 52 ms).
            Assert.InRange(f.TimestampNs, injectedFrom - 1_000_000_000, injectedTo + 1_000_000_000);
            Assert.NotEqual(0, f.TimestampNs);
        }
    }

    [Fact]
    public void Steady_state_reads_allocate_nothing_per_packet_or_per_batch()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 6000;
        using SocketSource socket = net.Capture(() => new SocketSource(net.CaptureInterface, new SocketOptions
        {
            CaptureLength = CaptureLength.Fixed(128), BatchBufferSize = 8 * 1024, BatchBufferCount = 2,
            MessagesPerCall = 16, ReceiveBufferSize = 64 << 20,
        }));
        net.InjectFromPeer(Enumerable.Range(0, count).Select(i => Frames.Udp(i, 64)));
        using var deadline = new Timer(_ => socket.Dispose(), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);

        int packets = 0, blocks = 0, measuredBlocks = 0;
        long touch = 0, start = 0;
        while (packets < count)
        {
            if (blocks == 10) start = GC.GetAllocatedBytesForCurrentThread(); // past the first blocks' JIT and statics
            if (socket.NextBlock(out PacketBlock? block) != CaptureStatus.Packet) break;
            foreach (PacketRef p in block!)
            {
                touch += p.Data[0];
                packets++;
            }
            block.Dispose();
            if (++blocks > 10) measuredBlocks++;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - start;

        Assert.Equal(count, packets);
        Assert.True(touch > 0);
        Assert.True(measuredBlocks >= 40, $"only {measuredBlocks} blocks measured");
        // One 64-byte lease object per batch (every hand-out is its own object) and nothing else: one more small
        // allocation per batch, or any per packet, would fail this.
        Assert.True(allocated <= measuredBlocks * 64 + 64, $"{allocated} bytes allocated over {measuredBlocks} blocks");
    }

    [Fact]
    public void Unblock_and_dispose_wake_a_blocked_socket_reader()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        SocketSource socket = net.Capture(() => new SocketSource(net.CaptureInterface));
        var results = new List<CaptureStatus>();
        int tid = 0;
        var thread = new Thread(() =>
        {
            Volatile.Write(ref tid, ThreadProbe.CurrentThreadId);
            results.Add(socket.NextBlock(out _));
            results.Add(socket.NextBlock(out _));
        });
        thread.Start();
        SpinWait.SpinUntil(() => Volatile.Read(ref tid) != 0);
        Assert.True(ThreadProbe.WaitUntilInSyscall(tid, ThreadProbe.PpollSyscall));
        socket.Unblock();
        Assert.True(SpinWait.SpinUntil(() => results.Count == 1, 5000));
        Assert.True(ThreadProbe.WaitUntilInSyscall(tid, ThreadProbe.PpollSyscall));
        socket.Dispose();
        Assert.True(thread.Join(5000));
        Assert.Equal([CaptureStatus.Unblocked, CaptureStatus.Stopped], results);
        Assert.Throws<ObjectDisposedException>(() => socket.NextPacketRef(out _));
        Assert.Equal(0, socket.LeasedBlocks);
    }
}
