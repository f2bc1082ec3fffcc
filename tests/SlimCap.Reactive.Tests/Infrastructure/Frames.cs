using System.Buffers.Binary;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Builds test frames, layer by layer (Ethernet, Linux cooked v1/v2, BSD loopback, IPv4/UDP, IPv6/TCP, VXLAN/Geneve),
/// between addresses of 198.18.0.0/15 only; <see cref="Udp"/> numbers a frame so <see cref="SequenceOf"/> reads it back.</summary>
internal static class Frames
{
    public static readonly byte[] OtherMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
    public static readonly byte[] SourceMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];

    /// <summary>A UDP frame 198.18.0.1:sport -> 198.19.0.2:dport carrying "SCT1" + the 64-bit sequence number, padded to <paramref name="size"/>.</summary>
    public static byte[] Udp(long sequence, int size = 64, byte[]? destinationMac = null, ushort sourcePort = 1024, ushort destinationPort = 9000,
        byte[]? sourceIp = null, byte[]? destinationIp = null, ushort? vlanTci = null)
    {
        int vlan = vlanTci.HasValue ? 4 : 0;
        size = Math.Max(size, 14 + vlan + 20 + 8 + 12);
        byte[] ip = Ipv4Udp(BinaryPrimitives.ReadUInt32BigEndian(sourceIp ?? [198, 18, 0, 1]),
            BinaryPrimitives.ReadUInt32BigEndian(destinationIp ?? [198, 19, 0, 2]), sourcePort, destinationPort,
            payload: size - 14 - vlan - 28, id: (ushort)sequence);
        "SCT1"u8.CopyTo(ip.AsSpan(28));
        BinaryPrimitives.WriteInt64LittleEndian(ip.AsSpan(32), sequence);
        return Ethernet(destinationMac ?? OtherMac, SourceMac, 0x0800, ip, vlanTci.HasValue ? [vlanTci.Value] : []);
    }

    /// <summary>The sequence number a frame from <see cref="Udp"/> carries (VLAN tag already stripped), or -1.</summary>
    public static long SequenceOf(ReadOnlySpan<byte> frame)
    {
        int udpPayload = 14 + 20 + 8;
        if (frame.Length < udpPayload + 12 || !frame.Slice(udpPayload, 4).SequenceEqual("SCT1"u8)) return -1;
        return BinaryPrimitives.ReadInt64LittleEndian(frame[(udpPayload + 4)..]);
    }

    /// <summary>An IPv4/UDP packet <paramref name="src"/>:<paramref name="srcPort"/> -> <paramref name="dst"/>:<paramref name="dstPort"/>
    /// with <paramref name="payload"/> zero bytes after the UDP header, IP identification <paramref name="id"/>, header checksum set.</summary>
    public static byte[] Ipv4Udp(uint src, uint dst, ushort srcPort, ushort dstPort, int payload = 8, ushort id = 0)
    {
        var f = new byte[20 + 8 + payload];
        f[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), (ushort)f.Length);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(4), id);
        f[8] = 64;
        f[9] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(12), src);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(16), dst);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(10), IpChecksum(f.AsSpan(0, 20)));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(22), dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(24), (ushort)(8 + payload));
        return f;
    }

    public static byte[] Ipv6Tcp(ushort srcPort, ushort dstPort)
    {
        var f = new byte[40 + 20];
        f[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(4), 20);
        f[6] = 6;
        f[7] = 64;
        f[8] = 0xfe;
        f[9] = 0x80;
        f[23] = 1;
        f[24] = 0xff;
        f[25] = 0x02;
        f[39] = 5;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(40), srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(42), dstPort);
        f[52] = 0x50;
        return f;
    }

    /// <summary>An Ethernet frame <see cref="OtherMac"/> -> <see cref="SourceMac"/> (as the filter tests' expressions expect),
    /// with a 802.1Q tag per <paramref name="vlanTcis"/>.</summary>
    public static byte[] Ethernet(ushort etherType, byte[] payload, params ushort[] vlanTcis) =>
        Ethernet(SourceMac, OtherMac, etherType, payload, vlanTcis);

    /// <summary>An Ethernet frame <paramref name="source"/> -> <paramref name="destination"/>, with a 802.1Q tag per <paramref name="vlanTcis"/>.</summary>
    public static byte[] Ethernet(byte[] destination, byte[] source, ushort etherType, byte[] payload, params ushort[] vlanTcis)
    {
        var f = new List<byte>(destination);
        f.AddRange(source);
        foreach (ushort tci in vlanTcis) f.AddRange([0x81, 0x00, (byte)(tci >> 8), (byte)tci]);
        f.AddRange([(byte)(etherType >> 8), (byte)etherType]);
        f.AddRange(payload);
        return [.. f];
    }

    /// <summary>Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol.</summary>
    public static byte[] Sll(ushort packetType, ushort protocol, byte[] payload)
    {
        var f = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f, packetType);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(4), 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), protocol);
        payload.CopyTo(f, 16);
        return f;
    }

    /// <summary>Linux cooked v2: protocol, reserved, interface index, ARPHRD, packet type, address length, 8 address bytes.</summary>
    public static byte[] Sll2(ushort protocol, uint ifindex, byte packetType, byte[] payload)
    {
        var f = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f, protocol);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(4), ifindex);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(8), 1);
        f[10] = packetType;
        f[11] = 6;
        payload.CopyTo(f, 20);
        return f;
    }

    /// <summary>BSD loopback: the address family in the writer's (here little-endian) byte order.</summary>
    public static byte[] Null(uint family, byte[] payload)
    {
        var f = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(f, family);
        payload.CopyTo(f, 4);
        return f;
    }

    /// <summary>A VXLAN (UDP 4789) or Geneve (UDP 6081) packet over IPv4 carrying <paramref name="inner"/> (an Ethernet frame).</summary>
    public static byte[] Tunnel(bool geneve, uint vni, byte[] inner)
    {
        var header = new byte[8];
        if (geneve) BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), 0x6558); else header[0] = 0x08;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), vni << 8);
        byte[] udp = Ipv4Udp(0xc6120001, 0xc6120002, 40000, geneve ? (ushort)6081 : (ushort)4789, 8 + inner.Length);
        header.CopyTo(udp, 28);
        inner.CopyTo(udp, 36);
        return Ethernet(0x0800, udp);
    }

    private static ushort IpChecksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i < header.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
