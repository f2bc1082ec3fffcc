using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.IO.Pipelines;

namespace SlimCap.Reactive.Files;

/// <summary>
/// The inflated bytes of a gzip file (RFC 1952), one member after another as zcat reads them, with the framing
/// parsed here and only the deflate data handed to <see cref="DeflateStream"/>. Every damage is a
/// <see cref="CaptureFileException"/> raised by a read after the one that returned the last good bytes, so the
/// parser above has every record before it: a bad CRC32 or length in a trailer, data after the last member, a
/// file cut anywhere (header, deflate data, trailer; <c>GZipStream</c> reads some of those as a clean end), a
/// damaged header or deflate data.
/// </summary>
/// <remarks>
/// Offsets: <see cref="CaptureFileException.Offset"/> is the inflated bytes delivered before the damage (where
/// the parser stands); the message names the compressed offset. Not thread-safe: the file source's reader
/// thread is its only caller.
/// </remarks>
internal sealed class GzipDecompressionStream : ReadOnlyStream
{
    private const byte Id1 = 0x1F, Id2 = 0x8B, MethodDeflate = 8;
    private const byte FlagHeaderCrc = 0x02, FlagExtra = 0x04, FlagName = 0x08, FlagComment = 0x10, FlagsReserved = 0xE0;

    private readonly GzipCompressedInput _input;
    private readonly string _name;
    private readonly Crc32 _crc = new();
    private DeflateStream? _deflate;
    private int _members;
    private long _memberStart;
    private long _dataStart;
    private uint _memberSize;
    private long _delivered;
    private bool _ended;

    internal GzipDecompressionStream(PipeReader raw, string name)
    {
        _input = new GzipCompressedInput(raw);
        _name = name;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // The file source's reader thread waits for the pipe anyway: inflating in place saves a thread-pool hop.
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        try
        {
            _input.Token = cancellationToken;
            return new ValueTask<int>(Read(buffer.Span));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        while (!_ended)
        {
            if (_deflate is null && !StartMember()) break;
            int count;
            try
            {
                count = _deflate!.Read(buffer);
            }
            catch (InvalidDataException e)
            {
                if (_input.FedPastEnd) throw Truncated("in its deflate data");
                throw Damaged($"the deflate data of gzip member {_members} is damaged near compressed byte {_input.Offset} ({e.Message})");
            }
            if (count > 0)
            {
                _crc.Append(buffer[..count]);
                _memberSize = unchecked(_memberSize + (uint)count);
                _delivered += count;
                return count;
            }
            // DeflateStream asks for input only while its data is unfinished: an end of file reached here is a cut.
            if (_input.FedPastEnd) throw Truncated("in its deflate data");
            FinishMember();
        }
        _ended = true;
        return 0;
    }

    /// <summary>Parses the next member's header; false at a clean end (the end of the file after a member).</summary>
    private bool StartMember()
    {
        _memberStart = _input.Offset;
        Span<byte> fixedPart = stackalloc byte[10];
        if (_members > 0 && !_input.Ensure(1)) return false;
        if (_members > 0 && (!_input.Ensure(2) || _input.CopyAt(_memberStart, fixedPart[..2]) < 2 || fixedPart[0] != Id1 || fixedPart[1] != Id2))
            throw TrailingData();
        _members++;
        if (!_input.TryRead(fixedPart)) throw Truncated("in its header");
        if (fixedPart[2] != MethodDeflate)
            throw Damaged($"gzip member {_members} uses compression method {fixedPart[2]}, not deflate (8)");
        byte flags = fixedPart[3];
        if ((flags & FlagsReserved) != 0)
            throw Damaged($"gzip member {_members} sets reserved header flags 0x{flags & FlagsReserved:x2}");
        var headerCrc = new Crc32();
        headerCrc.Append(fixedPart);
        Span<byte> scratch = stackalloc byte[256];
        if ((flags & FlagExtra) != 0)
        {
            if (!_input.TryRead(scratch[..2])) throw Truncated("in its header");
            headerCrc.Append(scratch[..2]);
            int extra = BinaryPrimitives.ReadUInt16LittleEndian(scratch);
            while (extra > 0)
            {
                Span<byte> piece = scratch[..Math.Min(extra, scratch.Length)];
                if (!_input.TryRead(piece)) throw Truncated("in its header's extra field");
                headerCrc.Append(piece);
                extra -= piece.Length;
            }
        }
        if ((flags & FlagName) != 0) SkipZeroTerminated(headerCrc, "file name");
        if ((flags & FlagComment) != 0) SkipZeroTerminated(headerCrc, "comment");
        if ((flags & FlagHeaderCrc) != 0)
        {
            long at = _input.Offset;
            if (!_input.TryRead(scratch[..2])) throw Truncated("in its header CRC");
            ushort expected = BinaryPrimitives.ReadUInt16LittleEndian(scratch);
            ushort actual = (ushort)headerCrc.GetCurrentHashAsUInt32();
            if (expected != actual)
                throw Damaged($"gzip member {_members} has a bad header CRC16 0x{expected:x4} (the header's is 0x{actual:x4}) at compressed byte {at}");
        }
        _dataStart = _input.Offset;
        _input.KeepFrom(_dataStart);
        _crc.Reset();
        _memberSize = 0;
        _deflate = new DeflateStream(_input, CompressionMode.Decompress, leaveOpen: true);
        return true;
    }

    private void SkipZeroTerminated(Crc32 headerCrc, string field)
    {
        Span<byte> one = stackalloc byte[1];
        do
        {
            if (!_input.TryRead(one)) throw Truncated($"in its header's {field}");
            headerCrc.Append(one);
        }
        while (one[0] != 0);
    }

    /// <summary>
    /// Finds the member's 8-byte trailer (CRC32 and ISIZE, both little-endian) right after where its deflate data
    /// ended, somewhere in the last chunks fed to the inflater, and checks it against the inflated bytes.
    /// </summary>
    private void FinishMember()
    {
        _deflate!.Dispose();
        _deflate = null;
        uint crc = _crc.GetCurrentHashAsUInt32();
        Span<byte> expected = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(expected, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(expected[4..], _memberSize);

        long fedEnd = _input.Offset;
        _input.Ensure(8); // the trailer may lie after the last byte fed; at the end of the file fewer arrive
        long lowest = Math.Max(_dataStart, fedEnd - (long)GzipCompressedInput.HistoryChunks * GzipCompressedInput.FeedChunk);
        int window = (int)(fedEnd - lowest) + 8;
        Span<byte> bytes = window <= 1024 ? stackalloc byte[window] : new byte[window];
        int got = _input.CopyAt(lowest, bytes);
        bytes = bytes[..got];
        _input.KeepFrom(-1);

        for (int p = 0; p + 8 <= bytes.Length; p++)
        {
            if (bytes.Slice(p, 8).SequenceEqual(expected))
            {
                _input.Offset = lowest + p + 8;
                return;
            }
        }
        // No intact trailer: say which part is wrong where the other part places it.
        for (int p = 0; p + 8 <= bytes.Length; p++)
        {
            if (bytes.Slice(p + 4, 4).SequenceEqual(expected[4..]))
                throw Damaged($"bad gzip CRC32 in the trailer of member {_members} at compressed byte {lowest + p}: it says 0x{BinaryPrimitives.ReadUInt32LittleEndian(bytes[p..]):x8}, the inflated data has 0x{crc:x8}");
            if (bytes.Slice(p, 4).SequenceEqual(expected[..4]))
                throw Damaged($"bad gzip length (ISIZE) in the trailer of member {_members} at compressed byte {lowest + p + 4}: it says {BinaryPrimitives.ReadUInt32LittleEndian(bytes[(p + 4)..])}, the member inflated to {_memberSize} bytes (mod 2^32)");
        }
        // A cut trailer: the file ends less than 8 bytes after a place where the trailer's first bytes match.
        for (int p = Math.Max(0, bytes.Length - 7); p <= bytes.Length; p++)
        {
            if (p + 8 > bytes.Length && lowest + p >= fedEnd - GzipCompressedInput.FeedChunk && bytes[p..].SequenceEqual(expected[..(bytes.Length - p)]))
                throw Truncated($"in its trailer ({bytes.Length - p} of its 8 bytes are there)");
        }
        throw Damaged($"the trailer of gzip member {_members} (CRC32 0x{crc:x8}, length {_memberSize}) is not where its deflate data ends, near compressed byte {fedEnd}: the trailer or the data is damaged");
    }

    private CaptureFileException Truncated(string where) =>
        new(_name, _delivered, $"truncated gzip stream: the file ends at compressed byte {_input.Offset + _input.Available} inside gzip member {_members}, {where} (unexpected end of file)");

    private CaptureFileException TrailingData()
    {
        Span<byte> first = stackalloc byte[4];
        int got = _input.CopyAt(_memberStart, first);
        return new(_name, _delivered, $"trailing data after the last gzip member at compressed byte {_memberStart}: {Convert.ToHexString(first[..got])}... does not start a gzip member");
    }

    private CaptureFileException Damaged(string problem) => new(_name, _delivered, problem);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _deflate?.Dispose();
            _deflate = null;
            _input.Complete();
        }
        base.Dispose(disposing);
    }
}
