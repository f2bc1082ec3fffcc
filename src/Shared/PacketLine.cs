using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using PacketDotNet;
using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Shared;

/// <summary>
/// One packet as one line, in the shape of <c>tcpdump -n</c> (<c>IP 198.18.0.1.1024 &gt; 198.18.0.2.9000: UDP, length 32</c>),
/// decoded with PacketDotNet. One source file linked into examples/Dump and the slimcap tool.
/// </summary>
internal static class PacketLine
{
    /// <summary>
    /// Describes <paramref name="frame"/> (the captured bytes of a frame of <paramref name="linkType"/>, whose length on the
    /// wire was <paramref name="totalLength"/>). Never throws on damaged or short bytes: what cannot be decoded is named.
    /// </summary>
    public static string Describe(ReadOnlySpan<byte> frame, LinkType linkType, long totalLength) => Summarize(frame, linkType, totalLength).Text;

    /// <summary>As <see cref="Describe"/>, with the addresses, protocol and ports apart for machine-readable output.</summary>
    public static PacketSummary Summarize(ReadOnlySpan<byte> frame, LinkType linkType, long totalLength)
    {
        Packet packet;
        try
        {
            // PacketDotNet's LinkLayers use the pcap LINKTYPE numbers, as LinkType does.
            packet = Packet.ParsePacket((LinkLayers)(int)linkType, frame.ToArray());
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            return new PacketSummary($"[undecodable {LinkTypeInfo.Name(linkType)} frame], length {totalLength}");
        }
        try
        {
            return Summarize(packet, frame, totalLength);
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            return new PacketSummary($"[truncated or damaged], length {totalLength}");
        }
    }

    // PacketDotNet reads lazily, so a short or damaged header can throw from a property as well as from ParsePacket.
    private static bool IsDecodeFailure(Exception e) =>
        e is ArgumentException or IndexOutOfRangeException or InvalidOperationException or NotImplementedException or OverflowException;

    /// <param name="packet">The decoded packet.</param>
    /// <param name="frame">The frame as captured: PacketDotNet rewrites length fields of the array it decodes, so header
    /// values that may be wrong (and so worth naming) are read here.</param>
    /// <param name="totalLength">The frame's length on the wire.</param>
    private static PacketSummary Summarize(Packet packet, ReadOnlySpan<byte> frame, long totalLength)
    {
        if (packet.Extract<IPPacket>() is { } ip)
        {
            int offset = ip.BytesSegment.Offset;
            long claimed = ip.Version == IPVersion.IPv6
                ? 40L + BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 4)..])
                : BinaryPrimitives.ReadUInt16BigEndian(frame[(offset + 2)..]);
            return SummarizeIp(ip, claimed, totalLength - offset);
        }
        if (packet.Extract<ArpPacket>() is { } arp)
            return new PacketSummary(DescribeArp(arp, totalLength), "ARP", Address(arp.SenderProtocolAddress), Address(arp.TargetProtocolAddress));
        if (packet is EthernetPacket ethernet)
        {
            EthernetType type = packet.Extract<Ieee8021QPacket>()?.Type ?? ethernet.Type;
            return new PacketSummary($"ethertype 0x{(ushort)type:x4}, length {totalLength}", $"ethertype 0x{(ushort)type:x4}");
        }
        return new PacketSummary($"length {totalLength}");
    }

    private static PacketSummary SummarizeIp(IPPacket ip, long claimed, long wireLength)
    {
        string family = ip.Version == IPVersion.IPv6 ? "IP6" : "IP";
        string src = Address(ip.SourceAddress), dst = Address(ip.DestinationAddress);
        // As tcpdump: a header that claims more bytes than the wire carried is named, not decoded further.
        if (claimed > wireLength)
            return new PacketSummary($"{family} truncated-{family.ToLowerInvariant()} - {claimed - wireLength} bytes missing!", null, src, dst);
        switch (ip.PayloadPacket)
        {
            case UdpPacket udp:
                return new PacketSummary($"{family} {src}.{udp.SourcePort} > {dst}.{udp.DestinationPort}: UDP, length {Math.Max(0, udp.Length - 8)}",
                    "UDP", src, dst, udp.SourcePort, udp.DestinationPort);
            case TcpPacket tcp:
                int tcpPayload = Math.Max(0, ip.PayloadLength - tcp.DataOffset * 4);
                string ack = tcp.Acknowledgment ? $", ack {tcp.AcknowledgmentNumber}" : "";
                return new PacketSummary(
                    $"{family} {src}.{tcp.SourcePort} > {dst}.{tcp.DestinationPort}: Flags [{TcpFlags(tcp)}], seq {tcp.SequenceNumber}{ack}, win {tcp.WindowSize}, length {tcpPayload}",
                    "TCP", src, dst, tcp.SourcePort, tcp.DestinationPort);
            case IcmpV4Packet icmp:
                return new PacketSummary($"{family} {src} > {dst}: ICMP {IcmpV4(icmp)}, length {ip.PayloadLength}", "ICMP", src, dst);
            case IcmpV6Packet icmp6:
                return new PacketSummary($"{family} {src} > {dst}: ICMP6, type {(byte)icmp6.Type}, length {ip.PayloadLength}", "ICMP6", src, dst);
            default:
                return new PacketSummary($"{family} {src} > {dst}: ip-proto-{(int)ip.Protocol} {ip.PayloadLength}", $"ip-proto-{(int)ip.Protocol}", src, dst);
        }
    }

    private static string DescribeArp(ArpPacket arp, long totalLength) => arp.Operation switch
    {
        ArpOperation.Request => $"ARP, Request who-has {Address(arp.TargetProtocolAddress)} tell {Address(arp.SenderProtocolAddress)}, length {totalLength}",
        ArpOperation.Response => $"ARP, Reply {Address(arp.SenderProtocolAddress)} is-at {Mac(arp.SenderHardwareAddress.GetAddressBytes())}, length {totalLength}",
        _ => $"ARP, operation {(int)arp.Operation}, length {totalLength}",
    };

    private static string IcmpV4(IcmpV4Packet icmp) => icmp.TypeCode switch
    {
        IcmpV4TypeCode.EchoRequest => $"echo request, id {icmp.Id}, seq {icmp.Sequence}",
        IcmpV4TypeCode.EchoReply => $"echo reply, id {icmp.Id}, seq {icmp.Sequence}",
        _ => $"type {(ushort)icmp.TypeCode >> 8}, code {(ushort)icmp.TypeCode & 0xff}",
    };

    /// <summary>tcpdump's flag letters, in its order (F S R P . U E W).</summary>
    private static string TcpFlags(TcpPacket tcp)
    {
        Span<char> letters = stackalloc char[8];
        int n = 0;
        if (tcp.Finished) letters[n++] = 'F';
        if (tcp.Synchronize) letters[n++] = 'S';
        if (tcp.Reset) letters[n++] = 'R';
        if (tcp.Push) letters[n++] = 'P';
        if (tcp.Acknowledgment) letters[n++] = '.';
        if (tcp.Urgent) letters[n++] = 'U';
        if (tcp.ExplicitCongestionNotificationEcho) letters[n++] = 'E';
        if (tcp.CongestionWindowReduced) letters[n++] = 'W';
        return n == 0 ? "none" : new string(letters[..n]);
    }

    private static string Address(IPAddress address) => address.ToString();

    private static string Mac(byte[] bytes) => string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    /// <summary>The timestamp as tcpdump prints it: local time of day to the microsecond.</summary>
    public static string Time(long timestampNanoseconds) =>
        TimeZoneInfo.ConvertTime(DateTimeOffset.UnixEpoch.AddTicks(timestampNanoseconds / 100), TimeZoneInfo.Local)
            .ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
