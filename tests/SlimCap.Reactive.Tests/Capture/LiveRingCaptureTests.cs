using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>Real kernel capture on a veth pair between two test namespaces. Needs root; CI runs as root.</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LiveRingCaptureTests
{
    private static RingSource OpenRing(TestNetwork net, string? iface = null, RingOptions? options = null) =>
        net.Capture(() => new RingSource(iface ?? net.CaptureInterface, options ?? new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(10) }));


    [Fact]
    public void Ten_thousand_frames_arrive_byte_exact_in_order_with_lengths_type_timestamps_and_stats()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 10_000;
        byte[][] sent = Enumerable.Range(0, count).Select(i => Frames.Udp(i, 60 + i % 1200, sourcePort: (ushort)(1024 + i % 4096))).ToArray();
        // 32 MiB holds every frame, so a busy test machine cannot make the kernel drop any.
        using RingSource ring = OpenRing(net, options: new RingOptions { BlockCount = 32, BlockTimeout = TimeSpan.FromMilliseconds(10) });
        int ifindex = ring.Link.Index;
        using var reader = new CaptureReader(ring, count);
        net.InjectFromPeer(sent);
        List<CapturedFrame> frames = reader.Wait();

        Assert.Equal(count, frames.Count);
        long lastTs = 0;
        for (int i = 0; i < count; i++)
        {
            CapturedFrame f = frames[i];
            Assert.Equal(i, f.Sequence);
            Assert.Equal(sent[i], f.Data);
            Assert.Equal(sent[i].Length, f.TotalLength);
            Assert.Equal(PacketType.OtherHost, f.Type);
            Assert.Equal(ifindex, f.InterfaceIndex);
            Assert.Equal(14, f.IpLayerOffset);
            Assert.Equal(LinkType.Ethernet, f.LinkType);
            Assert.False(f.HasVlan);
            Assert.True(f.TimestampNs >= lastTs, $"timestamp of frame {i} went backwards");
            lastTs = f.TimestampNs;
        }
        Assert.InRange(lastTs, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() * 1_000_000L, DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds() * 1_000_000L);
        CaptureStats stats = ring.Stats;
        Assert.Equal(stats.PacketsReceived, reader.TotalRead + stats.PacketsDropped);
        Assert.Equal(0, stats.PacketsDropped);
    }

    [Fact]
    public void Receiver_sees_host_and_sender_sees_outgoing()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        byte[] mac = net.CaptureMac;
        const int count = 500;
        using RingSource receiver = OpenRing(net);
        using RingSource sender = net.Peer(() => new RingSource(net.PeerInterface, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(10) }));
        using var atReceiver = new CaptureReader(receiver, count);
        using var atSender = new CaptureReader(sender, count);
        net.InjectFromPeer(Enumerable.Range(0, count).Select(i => Frames.Udp(i, 100, destinationMac: mac)));

        List<CapturedFrame> received = atReceiver.Wait();
        List<CapturedFrame> outgoing = atSender.Wait();
        Assert.Equal(count, received.Count);
        Assert.Equal(count, outgoing.Count);
        Assert.All(received, f => Assert.Equal(PacketType.Host, f.Type));
        Assert.All(outgoing, f => Assert.Equal(PacketType.Outgoing, f.Type));
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), outgoing.Select(f => f.Sequence));
    }

    [Fact]
    public void Ignore_outgoing_leaves_out_what_the_host_sends()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        var options = new RingOptions { IgnoreOutgoing = true, BlockTimeout = TimeSpan.FromMilliseconds(10) };
        using RingSource sender = net.Peer(() => new RingSource(net.PeerInterface, options));
        using RingSource receiver = OpenRing(net);
        using var atReceiver = new CaptureReader(receiver, 100);
        net.InjectFromPeer(Enumerable.Range(0, 100).Select(i => Frames.Udp(i)));
        Assert.Equal(100, atReceiver.Wait().Count);
        Thread.Sleep(100); // past the block timeout: anything captured would be retired by now
        sender.Unblock();
        Assert.Equal(CaptureStatus.Unblocked, sender.NextBlock(out PacketBlock? block));
        Assert.Null(block);
        Assert.Equal(0, sender.Stats.PacketsReceived);
    }

    [Fact]
    public void Vlan_tag_is_stripped_and_reported_with_its_tci()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 200;
        byte[][] sent = Enumerable.Range(0, count).Select(i => Frames.Udp(i, 120, vlanTci: (ushort)(0x2000 | (100 + i % 50)))).ToArray();
        using RingSource ring = OpenRing(net);
        using var reader = new CaptureReader(ring, count);
        net.InjectFromPeer(sent);
        List<CapturedFrame> frames = reader.Wait();

        Assert.Equal(count, frames.Count);
        for (int i = 0; i < count; i++)
        {
            CapturedFrame f = frames[i];
            Assert.True(f.HasVlan);
            Assert.Equal(0x2000 | (100 + i % 50), f.VlanTci);
            Assert.True(f.VlanTpid is 0 or 0x8100, $"TPID {f.VlanTpid:x}");
            // The frame as captured is the frame without its 4-byte tag.
            byte[] untagged = [.. sent[i].AsSpan(0, 12), .. sent[i].AsSpan(16)];
            Assert.Equal(untagged, f.Data);
            Assert.Equal(untagged.Length, f.TotalLength);
        }
    }

    [Fact]
    public void Auto_filter_keeps_only_ip_and_capture_length_truncates()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        var options = new RingOptions { AutoBpfFilter = true, CaptureLength = CaptureLength.MinimalIPv4Transport, BlockTimeout = TimeSpan.FromMilliseconds(10) };
        using RingSource ring = OpenRing(net, options: options);
        Assert.NotNull(ring.Filter);
        Assert.Equal(14 + 34, ring.SnapLength);
        const int count = 300;
        var frames = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            frames.Add(Frames.Udp(i, 200));
            byte[] arp = Frames.Udp(-1, 60);
            arp[12] = 0x08; arp[13] = 0x06; // ARP ethertype: not IP, must be filtered out
            frames.Add(arp);
        }
        using var reader = new CaptureReader(ring, count, _ => true);
        net.InjectFromPeer(frames);
        List<CapturedFrame> got = reader.Wait();
        Assert.Equal(count, got.Count);
        Assert.All(got, f =>
        {
            Assert.Equal(0x0800, f.Data[12] << 8 | f.Data[13]);
            Assert.Equal(48, f.Data.Length);
            Assert.Equal(200, f.TotalLength);
        });
    }

    [Fact]
    public void Unblock_wakes_a_blocked_reader_and_dispose_stops_it()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        RingSource ring = OpenRing(net);
        var results = new List<CaptureStatus>();
        Exception? after = null;
        int tid = 0;
        var thread = new Thread(() =>
        {
            Volatile.Write(ref tid, ThreadProbe.CurrentThreadId);
            results.Add(ring.NextBlock(out _));
            results.Add(ring.NextBlock(out _));
            try
            {
                ring.NextBlock(out _);
            }
            catch (Exception e)
            {
                after = e;
            }
        });
        thread.Start();
        SpinWait.SpinUntil(() => Volatile.Read(ref tid) != 0);
        Assert.True(ThreadProbe.WaitUntilInSyscall(tid, ThreadProbe.PpollSyscall), "the reader never blocked in ppoll");
        ring.Unblock();
        Assert.True(SpinWait.SpinUntil(() => results.Count == 1, 5000), "Unblock did not wake the reader");
        Assert.True(ThreadProbe.WaitUntilInSyscall(tid, ThreadProbe.PpollSyscall), "the reader did not block again");
        ring.Dispose();
        Assert.True(thread.Join(5000), "Dispose did not wake the reader");
        Assert.Equal([CaptureStatus.Unblocked, CaptureStatus.Stopped], results);
        Assert.IsType<ObjectDisposedException>(after);
        ring.Dispose(); // idempotent
    }

    [Fact]
    public void Promiscuous_mode_is_set_while_open_and_cleared_after()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        // PACKET_MR_PROMISC raises the device's promiscuity counter, which 'ip -d link' shows.
        string Promiscuity() => System.Text.RegularExpressions.Regex.Match(
            Shell.RunChecked("ip", $"-d -n {net.CaptureNamespace} link show dev {net.CaptureInterface}"), @"promiscuity (\d+)").Groups[1].Value;
        Assert.Equal("0", Promiscuity());
        using (RingSource ring = OpenRing(net, options: new RingOptions { Promiscuous = true }))
        {
            Assert.Equal("1", Promiscuity());
        }
        Assert.Equal("0", Promiscuity());
    }

    [Fact]
    public void Loopback_capture_in_a_namespace_sees_both_directions_when_asked_to()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using RingSource ring = OpenRing(net, "lo", new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(10), KeepLoopbackDuplicates = true });
        Assert.Equal(HardwareType.Loopback, ring.Link.HardwareType);
        const int datagrams = 20;
        using var reader = new CaptureReader(ring, datagrams * 2, f => f.Data.Length > 42 && f.Data[23] == 17 && (f.Data[36] << 8 | f.Data[37]) == 9999);
        net.Capture(() =>
        {
            using var udp = new System.Net.Sockets.UdpClient(System.Net.Sockets.AddressFamily.InterNetwork);
            for (int i = 0; i < datagrams; i++) udp.Send(new byte[16], 16, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9999));
        });
        List<CapturedFrame> frames = reader.Wait();
        Assert.Equal(datagrams * 2, frames.Count);
        Assert.Equal(datagrams, frames.Count(f => f.Type == PacketType.Outgoing));
        Assert.Equal(datagrams, frames.Count(f => f.Type == PacketType.Host));
    }

    [Fact]
    public void Down_and_missing_interfaces_get_clear_errors()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        net.Ip($"-n {net.CaptureNamespace} link set {net.CaptureInterface} down");
        var down = Assert.Throws<LinkDownException>(() => OpenRing(net));
        Assert.Contains(net.CaptureInterface, down.Message);
        var missing = Assert.Throws<InterfaceNotFoundException>(() => net.Capture(() => new RingSource("nosuch0")));
        Assert.Contains("lo", missing.AvailableInterfaces);
        Assert.Contains(net.CaptureInterface, missing.Message);
    }

    [Fact]
    public void Without_cap_net_raw_the_error_says_what_is_needed()
    {
        Privileges.RequireCapture();
        var error = CapabilityDrop.WithoutNetRaw(() => Record.Exception(() => new RingSource("lo")));
        var permission = Assert.IsType<CapturePermissionException>(error);
        Assert.Contains("CAP_NET_RAW", permission.Message);
        Assert.Contains("socket(AF_PACKET", permission.Message);
        Assert.Equal("EPERM", permission.ErrnoName);
    }

    [Fact]
    public void Closing_the_ring_ends_a_block_still_leased()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        RingSource ring = OpenRing(net);
        byte[] frame = Frames.Udp(7, 90);
        net.InjectFromPeer([frame]);
        CaptureStatus status;
        PacketBlock? block;
        do status = ring.NextBlock(out block); while (status == CaptureStatus.Unblocked);
        Assert.Equal(CaptureStatus.Packet, status);
        PacketRef first = default;
        foreach (PacketRef p in block!) { first = p; break; }
        Assert.Equal(frame, first.Data.ToArray());
        ring.Dispose(); // the lease ends with its source: the ring is freed now, not when the block is disposed
        Assert.False(block.IsLeased);
        Assert.Throws<ObjectDisposedException>(() => first.Data.Length);
        Assert.Throws<ObjectDisposedException>(() => block.GetEnumerator());
        block.Dispose(); // a no-op: nothing is left to give back
        Assert.Throws<ObjectDisposedException>(() => ring.NextBlock(out _));
    }
}
