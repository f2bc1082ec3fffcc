using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// A capture-file format parser over a <see cref="PipeByteReader"/>. Damage is thrown as
/// <see cref="CaptureFileException"/>; a record is never returned unless every byte the format
/// requires before its delivery (whole pcapng block with trailer, whole pcap record) is present.
/// </summary>
internal abstract class FormatReader
{
    private protected FormatReader(PipeByteReader input, string name)
    {
        Input = input;
        Name = name;
    }

    private protected PipeByteReader Input { get; }

    private protected string Name { get; }

    /// <summary>The file's link type: the pcap header's, or pcapng's first interface's.</summary>
    internal abstract LinkType LinkType { get; }

    /// <summary>The container format.</summary>
    internal abstract CaptureFileFormat Format { get; }

    /// <summary>Finds the next record without consuming it; non-record structures are processed and consumed on the way.</summary>
    internal abstract ReadOutcome Next(bool mayBlock, out FileRecord record);

    /// <summary>
    /// The fast path: appends to <paramref name="block"/>, and consumes, the records that follow and lie whole
    /// in the pipe segment already buffered, as long as the block's budget allows (the same test the source
    /// applies per record). It never blocks and never throws: it stops at the first record that is split,
    /// not yet read, or damaged, for <see cref="Next"/> to handle (and report, with its offset) as before.
    /// Returns how many records it appended; formats without a fast path append none.
    /// </summary>
    internal virtual int AppendBuffered(FileBatch block, long maxFileBytes, int maxRecords) => 0;

    /// <summary>Consumes the record <see cref="Next"/> returned.</summary>
    internal void Consume(in FileRecord record) => Input.Advance(record.Size);
}
