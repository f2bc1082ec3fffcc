using System.Buffers;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// One record a parser found, still in the pipe's buffers: valid until the parser's next call.
/// The source copies <see cref="Data"/> into a block, then lets the parser consume the record.
/// </summary>
internal struct FileRecord
{
    /// <summary>The bytes to deliver (after snapshot-length truncation).</summary>
    public ReadOnlySequence<byte> Data;
    /// <summary>Length on the wire, as stored.</summary>
    public long TotalLength;
    /// <summary>Timestamp in ns since the epoch (seconds and fraction added in 64-bit arithmetic).</summary>
    public long TimestampNanoseconds;
    /// <summary>Whole seconds in the stored fraction (pcap fractions of 10^6 µs or more): see <see cref="PacketRef.TimestampCarrySeconds"/>.</summary>
    public ushort TimestampCarrySeconds;
    /// <summary>The record's link type.</summary>
    public LinkType LinkType;
    /// <summary>The pcapng interface id in its section; 0 for pcap.</summary>
    public int InterfaceIndex;
    /// <summary>Direction from pcapng epb_flags, or <see cref="PacketType.Unknown"/>.</summary>
    public PacketType Type;
    /// <summary>Bytes of the file the record occupies, consumed once it is delivered.</summary>
    public long Size;
}
