using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>The plain socket source (recvmsg per packet) on a veth pair between two test namespaces.</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LiveSocketCaptureTests
{

    [Fact]
    public void FramesArriveByteExactWithWireLengthTypeVlanAndTimestamps()
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
        long last = -1, lastTs = 0;
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
            Assert.True(f.TimestampNs >= lastTs);
            lastTs = f.TimestampNs;
        }
    }

    [Fact]
    public void UnblockAndDisposeWakeABlockedSocketReader()
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
