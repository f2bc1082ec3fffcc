using System.Buffers.Binary;

namespace SlimCap.Reactive.Tests.FilterLanguage;

/// <summary>Small hand-made frames for link-type and encapsulation tests (addresses from 198.18.0.0/15).</summary>
internal static class FrameBuilder
{
    public static byte[] Ipv4Udp(uint src, uint dst, ushort srcPort, ushort dstPort, int payload = 8)
    {
        var f = new byte[20 + 8 + payload];
        f[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), (ushort)f.Length);
        f[8] = 64;
        f[9] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(12), src);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(16), dst);
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

    public static byte[] Ethernet(ushort etherType, byte[] payload, params ushort[] vlanTcis)
    {
        var f = new List<byte> { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2 };
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
}
