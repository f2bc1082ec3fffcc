using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// Writes classic pcap with nanosecond timestamps (magic a1b23c4d, version 2.4, little-endian). A pcap
/// file has one link type: the first packet's. The header is written with the first packet (or on
/// completion, with <see cref="CaptureFileWriterOptions.EmptyFileLinkType"/>). Seconds are 32 bits in
/// pcap: times after 2106 are cut to them as libpcap cuts them; write pcapng to keep them.
/// </summary>
/// <remarks>Thread safety: as <see cref="CaptureFileWriter"/>.</remarks>
public sealed class PcapFileWriter : CaptureFileWriter
{
    private const int FileHeaderSize = 24, RecordHeaderSize = 16;
    private LinkType? _linkType;

    internal PcapFileWriter(AcceptedBytesStream stream, PipeWriter writer, string name, CaptureFileWriterOptions options) : base(stream, writer, name, options) { }

    /// <inheritdoc/>
    public override CaptureFileFormat Format => CaptureFileFormat.Pcap;

    private protected override void FinishFile()
    {
        if (_linkType is null) WriteHeader(Options.EmptyFileLinkType);
    }

    private protected override void WriteRecord(in PacketRef packet)
    {
        if (_linkType is null) WriteHeader(packet.LinkType);
        else if (_linkType != packet.LinkType) ThrowMixedLinkTypes(packet.LinkType);

        int captured = FrameLength(packet);
        Span<byte> span = Reserve(RecordHeaderSize + captured);
        int written = CopyFrame(packet, span[RecordHeaderSize..], out long wireLength);
        (uint seconds, uint fraction) = SplitTimestamp(packet.TimestampNanoseconds, packet.TimestampCarrySeconds);
        BinaryPrimitives.WriteUInt32LittleEndian(span, seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], fraction);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], (uint)written);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)wireLength);
        Commit(RecordHeaderSize + written);
    }

    /// <summary>
    /// Seconds and nanoseconds for the record header. A record read from a pcap file whose fraction field
    /// held whole seconds is written back as libpcap writes it (<c>tcpdump --time-stamp-precision=nano -w</c>):
    /// the seconds field unchanged and the fraction in nanoseconds cut to its low 32 bits, so that a microsecond
    /// field above 4,294,967 (whose × 1000 exceeds 32 bits) wraps exactly as libpcap's 32-bit arithmetic wraps it.
    /// The record's <see cref="PacketRef.Timestamp"/> keeps the whole time (seconds plus the fraction's seconds).
    /// </summary>
    internal static (uint Seconds, uint Fraction) SplitTimestamp(long ns, ushort carrySeconds)
    {
        long seconds = Math.DivRem(ns, 1_000_000_000L, out long fraction);
        if (fraction < 0)
        {
            seconds--;
            fraction += 1_000_000_000L;
        }
        if (carrySeconds == 0) return ((uint)seconds, (uint)fraction);
        long storedFraction = fraction + carrySeconds * 1_000_000_000L;
        return ((uint)(seconds - carrySeconds), unchecked((uint)storedFraction));
    }

    private void WriteHeader(LinkType linkType)
    {
        _linkType = linkType;
        Span<byte> h = Reserve(FileHeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(h, PcapFormatReader.MagicNanoseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);   // thiszone: timestamps are UTC
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)Options.SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (ushort)linkType);
        Commit(FileHeaderSize);
    }

    [DoesNotReturn]
    private void ThrowMixedLinkTypes(LinkType linkType) =>
        throw new CaptureFileException(Name, BytesWritten,
            $"record {RecordsBuffered + 1} has link type {LinkTypeInfo.Name(linkType)} ({(ushort)linkType}), but this pcap file is "
            + $"{LinkTypeInfo.Name(_linkType!.Value)} ({(ushort)_linkType.Value}) and pcap holds one link type per file; write pcapng (.pcapng) instead");
}
