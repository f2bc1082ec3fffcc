using System.Buffers.Binary;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// A consumer of realistic cost: parses the IPv4 header, hashes the flow and keeps per-flow packet
/// and byte counters in a fixed-size table (no allocation per packet, as a monitoring daemon would).
/// </summary>
internal sealed class SoakConsumer
{
    private readonly long[] _packets = new long[4096];
    private readonly long[] _bytes = new long[4096];

    public long Packets { get; private set; }

    public void Consume(in PacketRef packet) => Consume(packet.IpLayer, packet.TotalLength);

    public void Consume(ReadOnlySpan<byte> payload, long totalLength, int ipLayerOffset) =>
        Consume((uint)ipLayerOffset < (uint)payload.Length ? payload[ipLayerOffset..] : default, totalLength);

    private void Consume(ReadOnlySpan<byte> ip, long totalLength)
    {
        Packets++;
        if (ip.Length < 20 || ip[0] >> 4 != 4) return;
        uint src = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        uint dst = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]);
        uint ports = ip.Length >= 24 ? BinaryPrimitives.ReadUInt32BigEndian(ip[20..]) : 0;
        uint slot = (uint)HashCode.Combine(src ^ dst, ports, ip[9]) & 4095;
        _packets[slot]++;
        _bytes[slot] += totalLength;
    }
}
