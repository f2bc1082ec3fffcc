using System.Diagnostics;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// Filter expressions on live rings and sockets in test namespaces: each keeps exactly the generated frames it
/// should, VLAN-tagged ones included (the kernel strips the tag before the filter, so <c>vlan</c> must test the
/// kernel's metadata), and SetFilter filters the frames already queued under the old program too.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LiveFilterTests
{
    private enum Kind { Udp, Tcp, Arp }

    private sealed record Sent(long Sequence, Kind Kind, ushort? Vlan, byte[] Frame);

    /// <summary>Every combination of protocol and tag (none, VLAN 100, VLAN 200, 802.1ad VLAN 100), in a fixed shuffled order.</summary>
    private static List<Sent> Traffic(int count, long first = 0)
    {
        var random = new Random(5 + (int)first);
        var sent = new List<Sent>();
        for (long i = first; i < first + count; i++)
        {
            var kind = (Kind)random.Next(3);
            ushort? vlan = random.Next(4) switch { 0 => null, 1 => 100, 2 => 200, _ => (ushort)(0x2000 | 100) }; // the last: priority 1, VLAN 100
            byte[] frame = Frames.Udp(i, 80 + random.Next(200), vlanTci: vlan);
            int type = vlan.HasValue ? 16 : 12;
            if (kind == Kind.Tcp) frame[type + 2 + 9] = 6;
            if (kind == Kind.Arp) { frame[type] = 0x08; frame[type + 1] = 0x06; }
            if (vlan.HasValue && random.Next(3) == 0) { frame[12] = 0x88; frame[13] = 0xa8; } // 802.1ad
            sent.Add(new Sent(i, kind, vlan.HasValue ? (ushort)(vlan.Value & 0x0fff) : null, frame));
        }
        return sent;
    }

    public static TheoryData<string, string> Expressions => new()
    {
        { "ring", "vlan 100 and udp" },
        { "ring", "vlan and tcp" },
        { "ring", "udp" },
        { "ring", "arp or vlan 200" },
        { "socket", "vlan 100 and udp" },
        { "socket", "udp and not vlan" },
    };

    /// <summary>What each expression keeps, from how the frames were made (not from any BPF run).</summary>
    private static bool Keeps(string expression, Sent s) => expression switch
    {
        "vlan 100 and udp" => s.Vlan == 100 && s.Kind == Kind.Udp,
        "vlan and tcp" => s.Vlan.HasValue && s.Kind == Kind.Tcp,
        "udp" => s.Kind == Kind.Udp,
        "arp or vlan 200" => s.Kind == Kind.Arp || s.Vlan == 200,
        "udp and not vlan" => !s.Vlan.HasValue && s.Kind == Kind.Udp,
        _ => throw new ArgumentOutOfRangeException(nameof(expression)),
    };

    private static LiveCaptureSource Open(TestNetwork net, string kind, string? filter) => net.Capture<LiveCaptureSource>(() => kind == "ring"
        ? new RingSource(net.CaptureInterface, new RingOptions { Filter = filter, BlockTimeout = TimeSpan.FromMilliseconds(10), BlockCount = 8 })
        : new SocketSource(net.CaptureInterface, new SocketOptions { Filter = filter, CaptureLength = CaptureLength.Fixed(2048) }));

    [Theory]
    [MemberData(nameof(Expressions))]
    public void An_expression_keeps_exactly_the_frames_it_should(string kind, string expression)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        List<Sent> sent = Traffic(600);
        using LiveCaptureSource source = Open(net, kind, expression);
        Assert.NotNull(source.Filter);
        Assert.True(source.Filter!.Instructions.Any(i => i.K == BpfInstruction.AncillaryVlanTagPresent) || !expression.Contains("vlan"),
            "a live 'vlan' must test the kernel's stripped tag");
        net.InjectFromPeer(sent.Select(s => s.Frame));
        List<CapturedFrame> got = Drain(source);

        List<Sent> expected = sent.Where(s => Keeps(expression, s)).ToList();
        Assert.InRange(expected.Count, 20, sent.Count - 20);
        Assert.Equal(expected.Select(s => s.Sequence), got.Select(f => f.Sequence));
        Assert.Equal(expected.Select(s => s.Vlan.HasValue), got.Select(f => f.HasVlan));
        Assert.Equal(expected.Select(s => s.Vlan ?? 0), got.Select(f => (ushort)(f.VlanTci & 0x0fff)));
    }

    [Theory]
    [InlineData("ring")]
    [InlineData("socket")]
    public void Set_filter_also_filters_what_the_old_program_let_into_the_queue(string kind)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using LiveCaptureSource source = Open(net, kind, null);
        List<Sent> before = Traffic(120), after = Traffic(120, first: 1000);
        net.InjectFromPeer(before.Select(s => s.Frame));
        Thread.Sleep(200); // every frame queued (and ring blocks retired) under the accept-all program
        source.SetFilter("vlan and tcp");
        Assert.Contains(source.Filter!.Instructions, i => i.K == BpfInstruction.AncillaryVlanTagPresent);
        net.InjectFromPeer(after.Select(s => s.Frame));
        List<CapturedFrame> got = Drain(source);

        List<long> expected = before.Concat(after).Where(s => Keeps("vlan and tcp", s)).Select(s => s.Sequence).ToList();
        Assert.Equal(expected, got.Select(f => f.Sequence));

        // Back to everything; then a program the kernel would refuse is refused before anything changes.
        source.SetFilter((string?)null);
        net.InjectFromPeer(before.Select(s => s.Frame));
        Assert.Equal(before.Count, Drain(source).Count);
        BpfProgram backward = new([BpfInstruction.LoadByteAbsolute(0), new(0x05, 0, 0, 0xfffffffe), BpfInstruction.Return(1)]);
        Assert.Throws<InvalidBpfProgramException>(() => source.SetFilter(backward));
        Assert.Throws<SlimCap.Reactive.FilterLanguage.FilterSyntaxException>(() => source.SetFilter("vlan and and"));
    }

    [Fact]
    public void Expressions_are_checked_before_any_socket_opens()
    {
        Assert.Throws<InvalidCaptureOptionException>(() => new RingOptions { Filter = "udp", BpfFilter = BpfProgram.AcceptAll(1) }.Validate());
        Assert.Throws<InvalidCaptureOptionException>(() => new RingOptions { Filter = "udp", AutoBpfFilter = true, ExtraBpfInstructions = [BpfInstruction.Return(1)] }.Validate());
        var link = SlimCap.Reactive.Links.NetworkLinks.Get("lo");
        Assert.Throws<SlimCap.Reactive.FilterLanguage.FilterSyntaxException>(() => new RingOptions { Filter = "udp port" }.BuildFilter(link));
        // protochain needs backward jumps, which the kernel refuses: named before the socket opens.
        var refusal = Assert.Throws<InvalidBpfProgramException>(() => new RingOptions { Filter = "ip6 protochain 17" }.BuildFilter(link));
        Assert.Equal(BpfDialect.Linux, refusal.Checker);
    }

    [Fact]
    public void The_automatic_filter_runs_first_and_the_expression_on_what_it_keeps()
    {
        var link = SlimCap.Reactive.Links.NetworkLinks.Get("lo");
        BpfProgram program = new RingOptions { Filter = "udp or arp", AutoBpfFilter = true }.BuildFilter(link)!;
        byte[] udp = Frames.Udp(1), arp = Frames.Udp(2), tcp = Frames.Udp(3);
        arp[12] = 0x08; arp[13] = 0x06;
        tcp[23] = 6;
        Assert.Equal(262144u, program.RunLinux(udp, LinuxPacketInfo.ForEthernet(udp)));
        Assert.Equal(0u, program.RunLinux(arp, LinuxPacketInfo.ForEthernet(arp))); // the automatic filter keeps IP only
        Assert.Equal(0u, program.RunLinux(tcp, LinuxPacketInfo.ForEthernet(tcp)));
    }

    /// <summary>Reads until nothing arrived for a while (Unblock wakes the reader to look at the clock).</summary>
    private static List<CapturedFrame> Drain(CaptureSource source, int quietMs = 400)
    {
        var frames = new List<CapturedFrame>();
        var clock = Stopwatch.StartNew();
        long lastSeen = 0;
        using var ticker = new Timer(_ => source.Unblock(), null, 50, 50);
        while (clock.ElapsedMilliseconds - lastSeen < quietMs && clock.ElapsedMilliseconds < 20_000)
        {
            CaptureStatus status = source.NextPacketRef(out PacketRef packet);
            if (status == CaptureStatus.Stopped) break;
            if (status != CaptureStatus.Packet) continue;
            frames.Add(CapturedFrame.From(packet));
            lastSeen = clock.ElapsedMilliseconds;
        }
        return frames;
    }
}
