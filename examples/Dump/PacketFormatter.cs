using System.Buffers.Binary;
using System.Net;
using SlimCap.Reactive;

namespace Dump;

/// <summary>One line per packet: time, type, lengths, and the IP/transport addresses when there are any.</summary>
internal static class PacketFormatter
{
    public static string Describe(ReadOnlySpan<byte> payload, long totalLength, PacketType type, int ipLayerOffset)
    {
        string ip = (uint)ipLayerOffset < (uint)payload.Length ? DescribeIp(payload[ipLayerOffset..]) : "(no IP layer)";
        return $"{type,-9} len {payload.Length,5}/{totalLength,-5} {ip}";
    }

    public static string DescribeIp(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 1) return "(empty)";
        int version = ip[0] >> 4;
        if (version == 4 && ip.Length >= 20)
        {
            int headerLength = (ip[0] & 0x0f) * 4;
            byte protocol = ip[9];
            var src = new IPAddress(ip.Slice(12, 4));
            var dst = new IPAddress(ip.Slice(16, 4));
            return WithPorts(src, dst, protocol, headerLength <= ip.Length ? ip[headerLength..] : default);
        }
        if (version == 6 && ip.Length >= 40)
        {
            var src = new IPAddress(ip.Slice(8, 16));
            var dst = new IPAddress(ip.Slice(24, 16));
            return WithPorts(src, dst, ip[6], ip[40..]);
        }
        return $"(non-IP, first byte 0x{ip[0]:x2})";
    }

    private static string WithPorts(IPAddress src, IPAddress dst, byte protocol, ReadOnlySpan<byte> transport)
    {
        string name = protocol switch { 6 => "TCP", 17 => "UDP", 1 => "ICMP", 58 => "ICMPv6", _ => $"proto {protocol}" };
        if ((protocol == 6 || protocol == 17) && transport.Length >= 4)
        {
            ushort sport = BinaryPrimitives.ReadUInt16BigEndian(transport);
            ushort dport = BinaryPrimitives.ReadUInt16BigEndian(transport[2..]);
            return $"{name} {src}:{sport} -> {dst}:{dport}";
        }
        return $"{name} {src} -> {dst}";
    }
}
