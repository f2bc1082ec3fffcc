using System.Buffers.Binary;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Dataflow;

public class FlowKeyTests
{
    private static byte[] IPv4(byte protocol, uint source, uint destination, ushort sourcePort, ushort destinationPort, ushort fragment = 0)
    {
        var ip = new byte[28];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), fragment);
        ip[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(ip.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(ip.AsSpan(16), destination);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(20), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(22), destinationPort);
        return ip;
    }

    private static byte[] IPv6(byte next, byte source, byte destination, ushort sourcePort, ushort destinationPort, byte[]? extension = null)
    {
        extension ??= [];
        var ip = new byte[40 + extension.Length + 8];
        ip[0] = 0x60;
        ip[6] = next;
        ip[8 + 15] = source;
        ip[24 + 15] = destination;
        extension.CopyTo(ip, 40);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(40 + extension.Length), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(42 + extension.Length), destinationPort);
        return ip;
    }

    [Fact]
    public void Both_directions_of_a_flow_get_the_same_key_and_other_flows_differ()
    {
        ulong forward = FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000001, 0x0A000002, 40000, 443));
        ulong backward = FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000002, 0x0A000001, 443, 40000));
        Assert.Equal(forward, backward);
        Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000001, 0x0A000002, 40001, 443)));
        Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv4(17, 0x0A000001, 0x0A000002, 40000, 443)));
        Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000001, 0x0A000003, 40000, 443)));
        // Same addresses both ways (loopback): ports decide the order.
        Assert.Equal(FlowKey.Symmetric5Tuple(IPv4(17, 0x7F000001, 0x7F000001, 5000, 6000)),
            FlowKey.Symmetric5Tuple(IPv4(17, 0x7F000001, 0x7F000001, 6000, 5000)));
        Assert.NotEqual(0UL, forward);
    }

    [Fact]
    public void IPv6_is_symmetric_and_extension_headers_are_skipped_to_the_ports()
    {
        ulong forward = FlowKey.Symmetric5Tuple(IPv6(17, 1, 2, 5353, 53));
        Assert.Equal(forward, FlowKey.Symmetric5Tuple(IPv6(17, 2, 1, 53, 5353)));
        Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv6(17, 1, 2, 5354, 53)));
        // A hop-by-hop header (8 bytes, next = UDP) in front of the same UDP header gives the same key.
        byte[] hopByHop = [17, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(forward, FlowKey.Symmetric5Tuple(IPv6(0, 1, 2, 5353, 53, hopByHop)));
    }

    [Fact]
    public void Fragments_are_keyed_without_ports()
    {
        // First fragment (MF set) and a later one (offset) of one datagram agree, whatever bytes sit where ports would.
        ulong first = FlowKey.Symmetric5Tuple(IPv4(17, 0x0A000001, 0x0A000002, 1234, 53, fragment: 0x2000));
        ulong later = FlowKey.Symmetric5Tuple(IPv4(17, 0x0A000002, 0x0A000001, 9999, 7777, fragment: 0x00B9));
        Assert.Equal(first, later);
        byte[] fragmentHeader = [17, 0, 0x00, 0x09, 0, 0, 0, 1]; // offset 1, next = UDP
        Assert.Equal(FlowKey.Symmetric5Tuple(IPv6(44, 1, 2, 1, 2, fragmentHeader)), FlowKey.Symmetric5Tuple(IPv6(44, 2, 1, 3, 4, fragmentHeader)));
    }

    [Fact]
    public void Truncated_or_garbage_bytes_never_throw()
    {
        Assert.Equal(0UL, FlowKey.Symmetric5Tuple(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0UL, FlowKey.Symmetric5Tuple(new byte[] { 0x45, 0, 0 }));
        Assert.Equal(0UL, FlowKey.Symmetric5Tuple(new byte[] { 0x08, 0x06, 0, 1 })); // not IP
        byte[] full = IPv4(6, 1, 2, 3, 4);
        for (int n = 0; n <= full.Length; n++) FlowKey.Symmetric5Tuple(full.AsSpan(0, n));
        byte[] bad = IPv4(6, 1, 2, 3, 4);
        bad[0] = 0x4F; // header length 60 > captured bytes: addresses only
        Assert.Equal(FlowKey.Symmetric5Tuple(IPv4(6, 1, 2, 0, 0, fragment: 0x2000)), FlowKey.Symmetric5Tuple(bad));
        var random = new Random(5);
        var buffer = new byte[80];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            buffer[0] = (byte)((i % 2 == 0 ? 0x40 : 0x60) | (buffer[0] & 0x0F));
            FlowKey.Symmetric5Tuple(buffer.AsSpan(0, random.Next(buffer.Length + 1)));
        }
    }
    /// <summary>An IPv6 UDP/TCP header with full 16-byte addresses.</summary>
    private static byte[] IPv6Full(byte next, byte[] source, byte[] destination, ushort sourcePort, ushort destinationPort)
    {
        var ip = new byte[48];
        ip[0] = 0x60;
        ip[6] = next;
        source.CopyTo(ip, 8);
        destination.CopyTo(ip, 24);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(40), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(42), destinationPort);
        return ip;
    }

    private static byte[] Address(int first, int last)
    {
        var a = new byte[16];
        a[0] = 0x20;
        a[1] = (byte)first;
        a[15] = (byte)last;
        return a;
    }

    [Fact]
    public void IPv6_endpoints_are_ordered_by_every_address_word_and_then_the_ports()
    {
        // Endpoints that differ only in the high word, only in the low word, or not at all (ports decide).
        (byte[] A, byte[] B)[] pairs = [(Address(1, 9), Address(2, 9)), (Address(1, 9), Address(1, 10)), (Address(3, 3), Address(3, 3))];
        var keys = new HashSet<ulong>();
        foreach ((byte[] a, byte[] b) in pairs)
        {
            ulong forward = FlowKey.Symmetric5Tuple(IPv6Full(6, a, b, 40000, 443));
            Assert.Equal(forward, FlowKey.Symmetric5Tuple(IPv6Full(6, b, a, 443, 40000)));
            Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv6Full(17, a, b, 40000, 443)));
            Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv6Full(6, a, b, 40000, 444)));
            Assert.True(keys.Add(forward), "distinct endpoint pairs should give distinct keys");
        }
        // The IP version is part of the key: an IPv4 and an IPv6 look-alike (zero addresses, same ports) differ.
        Assert.NotEqual(FlowKey.Symmetric5Tuple(IPv4(6, 0, 0, 1, 2)), FlowKey.Symmetric5Tuple(IPv6Full(6, new byte[16], new byte[16], 1, 2)));
    }

    [Fact]
    public void Keys_do_not_depend_on_where_the_header_sits_in_memory()
    {
        // The hash reads whole words: they must not care about alignment.
        foreach (byte[] packet in new[] { IPv4(17, 0xC6120001, 0xC6130002, 1024, 9000), IPv6Full(17, Address(1, 2), Address(3, 4), 5353, 53) })
        {
            ulong expected = FlowKey.Symmetric5Tuple(packet);
            var buffer = new byte[packet.Length + 8];
            for (int shift = 0; shift < 8; shift++)
            {
                Array.Clear(buffer);
                packet.CopyTo(buffer, shift);
                Assert.Equal(expected, FlowKey.Symmetric5Tuple(buffer.AsSpan(shift, packet.Length)));
                Assert.Equal(expected, FlowKey.Symmetric5Tuple(buffer.AsSpan(shift, packet.Length))); // deterministic
            }
        }
    }

    [Fact]
    public void Protocols_without_ports_ignore_the_bytes_where_ports_would_be()
    {
        Assert.Equal(FlowKey.Symmetric5Tuple(IPv4(1, 0x0A000001, 0x0A000002, 8, 0)), FlowKey.Symmetric5Tuple(IPv4(1, 0x0A000001, 0x0A000002, 1234, 99)));
        Assert.Equal(FlowKey.Symmetric5Tuple(IPv6(58, 1, 2, 128, 0)), FlowKey.Symmetric5Tuple(IPv6(58, 1, 2, 7, 7)));
        Assert.NotEqual(FlowKey.Symmetric5Tuple(IPv4(1, 0x0A000001, 0x0A000002, 0, 0)), FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000001, 0x0A000002, 0, 0)));
        // SCTP and UDP-Lite carry ports where TCP and UDP do.
        foreach (byte protocol in new byte[] { 132, 136 })
        {
            Assert.NotEqual(FlowKey.Symmetric5Tuple(IPv4(protocol, 1, 2, 3, 4)), FlowKey.Symmetric5Tuple(IPv4(protocol, 1, 2, 3, 5)));
            Assert.Equal(FlowKey.Symmetric5Tuple(IPv4(protocol, 1, 2, 3, 4)), FlowKey.Symmetric5Tuple(IPv4(protocol, 2, 1, 4, 3)));
        }
    }

    [Fact]
    public void A_header_cut_short_keys_what_could_be_read()
    {
        // IPv4: under 20 bytes nothing (0); 20-23 addresses and protocol (as a fragment would); 24 on, the ports too.
        byte[] v4 = IPv4(17, 0x0A000001, 0x0A000002, 1000, 2000);
        ulong v4Full = FlowKey.Symmetric5Tuple(v4), v4NoPorts = FlowKey.Symmetric5Tuple(IPv4(17, 0x0A000001, 0x0A000002, 0, 0, fragment: 0x2000));
        Assert.NotEqual(v4Full, v4NoPorts);
        for (int n = 0; n <= v4.Length; n++)
            Assert.Equal(n < 20 ? 0UL : n < 24 ? v4NoPorts : v4Full, FlowKey.Symmetric5Tuple(v4.AsSpan(0, n)));
        // IPv6: under 40 bytes nothing; 40-43 addresses and next header; 44 on, the ports.
        byte[] v6 = IPv6Full(6, Address(1, 1), Address(2, 2), 1000, 2000);
        ulong v6NoPorts = FlowKey.Symmetric5Tuple(IPv6Full(6, Address(1, 1), Address(2, 2), 0, 0).AsSpan(0, 40));
        ulong v6Full = FlowKey.Symmetric5Tuple(v6);
        Assert.NotEqual(v6Full, v6NoPorts);
        for (int n = 0; n <= v6.Length; n++)
            Assert.Equal(n < 40 ? 0UL : n < 44 ? v6NoPorts : v6Full, FlowKey.Symmetric5Tuple(v6.AsSpan(0, n)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(16)]
    public void Keys_spread_flows_evenly_over_partitions(int partitions)
    {
        // The referee's traffic: one address pair, UDP source ports 1024..5119 times destination ports 9000..9015.
        var generator = new int[partitions];
        for (int s = 0; s < 4096; s++)
            for (int d = 0; d < 16; d++)
                generator[FlowKey.Symmetric5Tuple(IPv4(17, 0xC6120001, 0xC6130002, (ushort)(1024 + s), (ushort)(9000 + d))) % (ulong)partitions]++;
        AssertEven(generator, 4096 * 16);
        // Random TCP flows over IPv4 and IPv6.
        var random = new Random(7);
        var v4 = new int[partitions];
        var v6 = new int[partitions];
        var a = new byte[16];
        var b = new byte[16];
        for (int i = 0; i < 40_000; i++)
        {
            v4[FlowKey.Symmetric5Tuple(IPv4(6, (uint)random.Next(), (uint)random.Next(), (ushort)random.Next(65536), 443)) % (ulong)partitions]++;
            random.NextBytes(a);
            random.NextBytes(b);
            v6[FlowKey.Symmetric5Tuple(IPv6Full(6, a, b, (ushort)random.Next(65536), 443)) % (ulong)partitions]++;
        }
        AssertEven(v4, 40_000);
        AssertEven(v6, 40_000);

        static void AssertEven(int[] counts, int total)
        {
            double fair = (double)total / counts.Length;
            foreach (int c in counts) Assert.InRange(c, fair * 0.93, fair * 1.07); // several standard deviations; a bad mix is far off
        }
    }

    [Fact]
    public void Keys_from_packets_skip_the_link_layer_ignore_a_stripped_VLAN_tag_and_give_0_for_non_IP()
    {
        using var image = new RingImageSource(blockSize: 8192, blockCount: 2, snapLength: 65535);
        byte[] ip4 = IPv4(17, 0x0A000001, 0x0A000002, 5000, 53);
        byte[] ip6 = IPv6(6, 1, 2, 40000, 443);
        Assert.True(image.TryAddPacket(Ethernet(0x0800, ip4), PacketType.Host));
        Assert.True(image.TryAddPacket(Ethernet(0x0800, ip4), PacketType.Host, vlanTci: 0x2064, vlanTpid: 0x8100, hasVlan: true));
        Assert.True(image.TryAddPacket(Ethernet(0x86DD, ip6), PacketType.Host));
        Assert.True(image.TryAddPacket(Ethernet(0x0806, [0x00, 0x01, 0x08, 0x00, 6, 4, 0, 1]), PacketType.Broadcast)); // ARP
        Assert.True(image.TryAddPacket(Ethernet(0x0800, ip4)[..30], PacketType.Host)); // cut inside the IPv4 header
        image.RetireBlock();
        Assert.Equal(CaptureStatus.Packet, image.NextBlock(out PacketBlock? block));
        using (block)
        {
            var keys = new List<ulong>();
            foreach (PacketRef p in block!) keys.Add(FlowKey.Symmetric5Tuple(in p));
            Assert.Equal([FlowKey.Symmetric5Tuple(ip4), FlowKey.Symmetric5Tuple(ip4), FlowKey.Symmetric5Tuple(ip6), 0UL, 0UL], keys);
            Assert.NotEqual(0UL, keys[0]);
        }

        static byte[] Ethernet(ushort etherType, byte[] payload)
        {
            var frame = new byte[14 + payload.Length];
            frame.AsSpan(0, 12).Fill(0x02);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
            payload.CopyTo(frame, 14);
            return frame;
        }
    }
}
