using System.Buffers.Binary;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Filters;

/// <summary>
/// The kernel decides on live traffic: each program is attached to its own AF_PACKET socket on a veth end in
/// test namespaces, one more socket takes every frame with the metadata the kernel's filter saw, and our
/// <see cref="BpfProgram.RunLinux"/> over those frames must keep exactly the frames each socket got, cut to the
/// same length (the kernel keeps min(return value, length) bytes). Negative offsets, every ancillary load user
/// space can know, VLAN-tagged frames (the kernel strips the tag first), 802.3 frames and generated programs.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LiveKernelSemanticsTests
{
    private const uint NetOff = 0xfff00000, LlOff = 0xffe00000, Ad = BpfInstruction.AncillaryBase;

    private static BpfInstruction I(ushort code, uint k, byte jt = 0, byte jf = 0) => new(code, jt, jf, k);
    private static readonly BpfInstruction RetA = I(0x16, 0), Drop = I(0x06, 0), AcceptAll = I(0x06, uint.MaxValue);

    /// <summary>Programs whose verdict depends on what the kernel does differently from libpcap.</summary>
    public static List<(string Name, BpfInstruction[] Code)> HandWritten() =>
    [
        ("ldb [SKF_NET_OFF+9] = udp", [I(0x30, NetOff + 9), I(0x15, 17, 0, 1), AcceptAll, Drop]),
        ("ld [SKF_NET_OFF+12], ret a", [I(0x20, NetOff + 12), RetA]),
        ("ldh [SKF_LL_OFF+12], ret a", [I(0x28, LlOff + 12), RetA]),
        ("ldb [SKF_LL_OFF+2000]", [I(0x30, LlOff + 2000), AcceptAll]),
        ("ldb below SKF_LL_OFF", [I(0x30, LlOff - 1), AcceptAll]),
        ("ldxb 4*([SKF_NET_OFF]&0xf), ldb [x+SKF_NET_OFF]", [I(0xb1, NetOff), I(0x50, NetOff), I(0x15, 17, 0, 1), AcceptAll, I(0x87, 0), RetA]),
        ("ld #pktlen, ret a", [I(0x80, 0), RetA]),
        ("ldx #pktlen, txa, sub #40", [I(0x81, 0), I(0x87, 0), I(0x14, 40), RetA]),
        ("protocol", [I(0x20, Ad + 0), RetA]),
        ("ldb protocol (size ignored)", [I(0x30, Ad + 0), RetA]),
        ("pkttype + 1", [I(0x28, Ad + 4), I(0x04, 1), RetA]),
        ("ifindex", [I(0x20, Ad + 8), RetA]),
        ("hatype", [I(0x20, Ad + 28), RetA]),
        ("vlan tag present", [I(0x20, Ad + 48), I(0x15, 1, 0, 1), AcceptAll, Drop]),
        ("vlan tag + 1", [I(0x20, Ad + 44), I(0x04, 1), RetA]),
        ("vlan tpid", [I(0x20, Ad + 60), I(0x15, 0x88a8, 0, 1), AcceptAll, Drop]),
        ("alu xor x", [I(0x01, 0x5a5a), I(0x00, 0x1234), I(0x20, Ad + 40), RetA]),
        ("ldx #-1, ldb [x+1] wraps to 0", [I(0x01, uint.MaxValue), I(0x50, 1), I(0x04, 1), RetA]),
        ("ldx #0x100000, ldb [x+SKF_NET_OFF+0] = byte 0", [I(0x01, 0x100000), I(0x50, NetOff), I(0x04, 1), RetA]),
        ("ldx #0x80000000, ld [x+14] negative", [I(0x01, 0x80000000), I(0x40, 14), AcceptAll]),
        ("lsh x by 33 = lsh 1", [I(0x00, 5), I(0x01, 33), I(0x6c, 0), RetA]),
        ("rsh x by 36 = rsh 4", [I(0x00, 0x300), I(0x01, 36), I(0x7c, 0), RetA]),
        ("div x by 0", [I(0x00, 100), I(0x01, 0), I(0x3c, 0), AcceptAll]),
        ("mod x", [I(0x80, 0), I(0x01, 7), I(0x9c, 0), I(0x04, 20), RetA]),
        ("ld [len-4]", [I(0x80, 0), I(0x14, 4), I(0x07, 0), I(0x40, 0), RetA]),
        ("ldh [len-1] fails", [I(0x80, 0), I(0x14, 1), I(0x07, 0), I(0x48, 0), AcceptAll]),
        ("ret #0x10", [I(0x06, 0x10)]),
        ("802.3 length frames", [I(0x20, Ad + 0), I(0x15, 4, 1, 0), I(0x15, 1, 0, 1), AcceptAll, Drop]),
        ("scratch", [I(0x80, 0), I(0x02, 3), I(0x00, 9), I(0x61, 3), I(0x0c, 0), RetA]),
    ];

    private static readonly string[] Expressions =
    [
        "udp", "tcp port 80", "vlan", "vlan 100", "ip and udp[8:4] = 0x53435431", "arp", "ip6", "greater 100",
        "ip[6:2] & 0x1fff != 0", "ether broadcast", "ether multicast", "llc", "ip proto 1", "not ip",
    ];

    [Fact]
    public void The_kernel_and_run_linux_keep_the_same_frames_at_the_same_lengths()
    {
        Privileges.RequireNetworkNamespaces();
        var programs = HandWritten().Select(p => (p.Name, Program: new BpfProgram(p.Code))).ToList();
        foreach (string expression in Expressions)
            programs.Add(("tcpdump: " + expression, new BpfProgram(TcpdumpPrograms.Compile(expression))));
        var generator = new BpfProgramGenerator(4242);
        while (programs.Count < 90)
        {
            BpfInstruction[] code = generator.WellFormed(30);
            if (BpfProgram.Check(code, BpfDialect.Linux) is null) programs.Add(($"generated {programs.Count}", new BpfProgram(code)));
        }
        Assert.All(programs, p => Assert.True(p.Program.IsLinuxCompatible, p.Name));

        using var net = new TestNetwork();
        byte[] ownMac = net.CaptureMac;
        List<byte[]> traffic = Traffic(ownMac, new Random(99), 400);
        (List<AuxFrame> all, List<List<AuxFrame>> kept) = net.Capture(() =>
        {
            using var everything = new AuxPacketSocket(net.CaptureInterface, null);
            var sockets = programs.Select(p => new AuxPacketSocket(net.CaptureInterface, p.Program)).ToList();
            try
            {
                net.InjectFromPeer(traffic);
                List<AuxFrame> reference = everything.Drain();
                return (reference, sockets.Select(s => s.Drain(50)).ToList());
            }
            finally
            {
                foreach (var s in sockets) s.Dispose();
            }
        });

        Assert.Equal(traffic.Count, all.Count);
        Assert.Contains(all, f => f.Info.VlanTagPresent && f.Info.VlanTpid == 0x88a8);
        Assert.Contains(all, f => f.Info.Protocol == 4);
        var failures = new List<string>();
        for (int p = 0; p < programs.Count; p++)
        {
            var expected = new List<byte[]>();
            foreach (AuxFrame frame in all)
            {
                uint verdict = programs[p].Program.RunLinux(frame.Data, frame.Info);
                if (verdict != 0) expected.Add(frame.Data.AsSpan(0, (int)Math.Min(verdict, (uint)frame.Data.Length)).ToArray());
            }
            List<byte[]> actual = kept[p].Select(f => f.Data).ToList();
            int firstDifference = Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => !expected[i].AsSpan().SequenceEqual(actual[i]), -1);
            if (expected.Count != actual.Count || firstDifference >= 0)
                failures.Add($"{programs[p].Name}: kernel kept {actual.Count}, RunLinux {expected.Count}, first difference at {firstDifference}");
        }
        Assert.Empty(failures);
        // The test means something only when programs keep some frames and drop others.
        Assert.Contains(kept, k => k.Count > 0 && k.Count < all.Count);
    }

    /// <summary>
    /// Frames of many kinds, from 14 to 1514 bytes: IPv4 (options, fragments, UDP/TCP/ICMP), IPv6, ARP, 802.1Q and
    /// 802.1ad tagged (the kernel strips the outer tag before any socket sees the frame), stacked tags, 802.3 frames
    /// with LLC and raw IPX, random bytes; to this host, broadcast, multicast or another host.
    /// </summary>
    internal static List<byte[]> Traffic(byte[] ownMac, Random random, int count)
    {
        var frames = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            byte[] dst = random.Next(4) switch
            {
                0 => ownMac,
                1 => [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                2 => [0x01, 0x00, 0x5e, 0x00, 0x00, (byte)random.Next(256)],
                _ => Frames.OtherMac,
            };
            ushort? tag = random.Next(4) == 0 ? (ushort)random.Next(0, 0x10000) : null;
            byte[] frame = random.Next(10) switch
            {
                0 => Ethertype(random, 0x0806, 28),
                1 => Ethertype(random, 0x86dd, random.Next(40, 200), v => { v[0] = 0x60; v[6] = (byte)random.Choose(6, 17, 58, 0, 44); }),
                2 => Ethertype(random, (ushort)random.Next(46, 1500), random.Next(3, 200)),   // 802.3 with LLC
                3 => Ethertype(random, (ushort)random.Next(46, 1500), random.Next(2, 100), v => { v[0] = 0xff; v[1] = 0xff; }), // raw IPX
                4 => Ethertype(random, (ushort)random.Next(0, 0x10000), random.Next(0, 100)),
                5 => Ethertype(random, 0x8100, random.Next(4, 80), v => { v[2] = 0x08; v[3] = 0x00; }), // a second (inner) tag
                6 => new byte[14],
                _ => Ipv4(random),
            };
            dst.CopyTo(frame, 0);
            Frames.SourceMac.CopyTo(frame, 6);
            // The kernel drops a tagged frame with fewer than 2 bytes after the inner ethertype before any socket sees it.
            if (tag is { } tci && frame.Length >= 16)
            {
                ushort tpid = random.Next(3) == 0 ? (ushort)0x88a8 : (ushort)0x8100;
                var tagged = new byte[frame.Length + 4];
                frame.AsSpan(0, 12).CopyTo(tagged);
                BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(12), tpid);
                BinaryPrimitives.WriteUInt16BigEndian(tagged.AsSpan(14), tci);
                frame.AsSpan(12).CopyTo(tagged.AsSpan(16));
                frame = tagged;
            }
            frames.Add(frame);
        }
        return frames;
    }

    private static byte[] Ethertype(Random random, ushort type, int payload, Action<byte[]>? shape = null)
    {
        var body = new byte[payload];
        random.NextBytes(body);
        shape?.Invoke(body);
        var frame = new byte[14 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), type);
        body.CopyTo(frame, 14);
        return frame;
    }

    private static byte[] Ipv4(Random random)
    {
        int ihl = random.Next(3) == 0 ? random.Next(5, 16) : 5;
        int payload = random.Next(0, 300);
        byte[] frame = Ethertype(random, 0x0800, ihl * 4 + payload);
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(ihl * 4 + payload));
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], random.Next(4) == 0 ? (ushort)random.Next(0, 0x10000) : (ushort)0x4000);
        ip[9] = (byte)random.Choose(17, 6, 1, 2, 50, (byte)random.Next(256));
        new byte[] { 198, 18, 0, (byte)random.Next(256) }.CopyTo(ip[12..]);
        new byte[] { 198, 19, 0, (byte)random.Next(256) }.CopyTo(ip[16..]);
        if (random.Next(3) == 0 && payload >= 4) BinaryPrimitives.WriteUInt16BigEndian(ip[(ihl * 4 + 2)..], (ushort)random.Choose(80, 53, 443));
        if (random.Next(5) == 0 && payload >= 12) "SCT1"u8.CopyTo(ip[(ihl * 4 + 8)..]);
        return frame;
    }
}
