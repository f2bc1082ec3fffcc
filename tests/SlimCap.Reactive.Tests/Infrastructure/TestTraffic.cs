using System.Buffers.Binary;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// A deterministic synthetic traffic pattern: packet <c>i</c> is an Ethernet/IPv4 frame whose flow, direction,
/// packet type and protocol are pure functions of <c>i</c>, and whose last 8 payload bytes hold <c>i</c>.
/// Tests compute expectations with the same functions the source uses to write the frames.
/// </summary>
internal static class TestTraffic
{
    internal const int FlowCount = 16;
    internal const int FrameLength = 14 + 20 + 8 + 8;

    internal static PacketType TypeOf(long i) => (i % 4) switch
    {
        0 => PacketType.Host,
        1 => PacketType.Outgoing,
        2 => PacketType.Host,
        _ => PacketType.Broadcast,
    };

    internal static int FlowOf(long i) => (int)((i / 3) % FlowCount);

    /// <summary>True when packet <c>i</c> travels from the flow's server back to its client.</summary>
    internal static bool IsReply(long i) => i % 5 < 2;

    internal static long TimestampOf(long i) => 1_700_000_000_000_000_000L + i * 1_000L;

    /// <summary>Writes frame <paramref name="i"/> into <paramref name="frame"/>; returns its length.</summary>
    internal static int Write(long i, Span<byte> frame)
    {
        int flow = FlowOf(i);
        bool reply = IsReply(i);
        frame[..12].Fill(0xAA);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x0800);
        Span<byte> ip = frame[14..];
        ip[0] = 0x45;
        ip[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], 20 + 8 + 8);
        BinaryPrimitives.WriteUInt32BigEndian(ip[4..], 0);
        ip[8] = 64;
        ip[9] = (byte)(flow % 2 == 0 ? 17 : 6); // UDP for even flows, TCP-like ports for odd ones
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        uint client = 0xC6120001u + (uint)flow, server = 0xC6130001u + (uint)flow; // 198.18.0.0/15 only, as on the wire
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], reply ? server : client);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], reply ? client : server);
        ushort clientPort = (ushort)(40000 + flow), serverPort = 53;
        Span<byte> l4 = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(l4, reply ? serverPort : clientPort);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], reply ? clientPort : serverPort);
        BinaryPrimitives.WriteUInt32BigEndian(l4[4..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(frame[(FrameLength - 8)..], i);
        return FrameLength;
    }

    /// <summary>The index written into a frame by <see cref="Write"/>.</summary>
    internal static long IndexOf(in PacketRef packet) =>
        BinaryPrimitives.ReadInt64LittleEndian(packet.Data[(FrameLength - 8)..]);
}
