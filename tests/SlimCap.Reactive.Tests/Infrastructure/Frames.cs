using System.Buffers.Binary;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Builds test frames: Ethernet / IPv4 / UDP between addresses of 198.18.0.0/15 only.</summary>
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
        var frame = new byte[size];
        (destinationMac ?? OtherMac).CopyTo(frame, 0);
        SourceMac.CopyTo(frame, 6);
        int p = 12;
        if (vlanTci.HasValue)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(p), 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(p + 2), vlanTci.Value);
            p += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(p), 0x0800);
        int ip = p + 2;
        int ipLength = size - ip;
        frame[ip] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ip + 2), (ushort)ipLength);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ip + 4), (ushort)sequence);
        frame[ip + 8] = 64;
        frame[ip + 9] = 17;
        (sourceIp ?? [198, 18, 0, 1]).CopyTo(frame, ip + 12);
        (destinationIp ?? [198, 19, 0, 2]).CopyTo(frame, ip + 16);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(ip + 10), IpChecksum(frame.AsSpan(ip, 20)));
        int udp = ip + 20;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(udp), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(udp + 2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(udp + 4), (ushort)(ipLength - 20));
        "SCT1"u8.CopyTo(frame.AsSpan(udp + 8));
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(udp + 12), sequence);
        return frame;
    }

    /// <summary>The sequence number a frame from <see cref="Udp"/> carries (VLAN tag already stripped), or -1.</summary>
    public static long SequenceOf(ReadOnlySpan<byte> frame)
    {
        int udpPayload = 14 + 20 + 8;
        if (frame.Length < udpPayload + 12 || !frame.Slice(udpPayload, 4).SequenceEqual("SCT1"u8)) return -1;
        return BinaryPrimitives.ReadInt64LittleEndian(frame[(udpPayload + 4)..]);
    }

    private static ushort IpChecksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i < header.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
