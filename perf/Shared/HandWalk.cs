using System.Buffers.Binary;
using SlimCap.Reactive.Ring;

namespace SlimCap.Reactive.Perf;

/// <summary>
/// The C# floor of a ring block walk: a lease's bytes walked by hand, header by header, exactly as ringcount.c (and
/// perf/baseline/ringwalk.c) walk a block, at the offsets of the library's one TPACKET_V3 layout (<see cref="TPacketV3"/>).
/// Not the library's walker on purpose: it shows what .NET itself costs over the C floor, apart from the enumerator.
/// Shared by the capturer's <c>walk</c> mode and the in-memory benchmark (linked into both projects).
/// </summary>
internal static class HandWalk
{
    /// <summary>Walks one retired block's bytes: its packets, the sum of their snap lengths, the sum of each frame's first byte.</summary>
    public static (long Packets, long Bytes, long Touch) Block(ReadOnlySpan<byte> b)
    {
        long n = 0, bytes = 0, touch = 0;
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(b[TPacketV3.BlockNumPackets..]);
        int pos = (int)BinaryPrimitives.ReadUInt32LittleEndian(b[TPacketV3.BlockOffsetToFirstPacket..]);
        for (uint i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> h = b[pos..];
            n++;
            bytes += BinaryPrimitives.ReadUInt32LittleEndian(h[TPacketV3.HdrSnaplen..]);
            touch += h[BinaryPrimitives.ReadUInt16LittleEndian(h[TPacketV3.HdrMac..])];
            pos += (int)BinaryPrimitives.ReadUInt32LittleEndian(h[TPacketV3.HdrNextOffset..]);
        }
        return (n, bytes, touch);
    }
}
