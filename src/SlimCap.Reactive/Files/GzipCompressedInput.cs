using System.Buffers;
using System.IO.Pipelines;

namespace SlimCap.Reactive.Files;

/// <summary>
/// The compressed bytes of a gzip file, read from the raw <see cref="PipeReader"/> with their offsets counted.
/// The gzip decoder parses headers and trailers through it, and a <see cref="System.IO.Compression.DeflateStream"/>
/// reads a member's deflate data from it as a <see cref="Stream"/>, in chunks of at most <see cref="FeedChunk"/>
/// bytes. DeflateStream does not tell where the deflate data ended inside what it was given, so the input keeps
/// the last <see cref="HistoryChunks"/> chunks it fed buffered: the decoder finds the trailer among them.
/// </summary>
/// <remarks>
/// Memory: the raw pipe's buffers hold the history (2 × 4 KiB) plus one read; a header's unbounded fields (name,
/// comment) are consumed as they are read, never buffered whole.
/// </remarks>
internal sealed class GzipCompressedInput : ReadOnlyStream
{
    /// <summary>The most bytes one read by the inflater gets, which bounds where the deflate data can have ended.</summary>
    internal const int FeedChunk = 4096;

    /// <summary>
    /// How many fed chunks stay buffered. The inflater asks for input only once it has used all it was given, so the
    /// deflate data ends in the last chunk; the one before covers an inflater that stopped at a full output buffer.
    /// </summary>
    internal const int HistoryChunks = 2;

    private readonly PipeReader _raw;
    private ReadOnlySequence<byte> _buffer;
    private long _bufferStart;
    private bool _hasBuffer;
    private bool _completed;
    private long _historyFloor = -1;

    internal GzipCompressedInput(PipeReader raw) => _raw = raw;

    /// <summary>Compressed offset of the next byte to parse or feed.</summary>
    internal long Offset { get; set; }

    /// <summary>True once the inflater asked for a byte past the end of the file.</summary>
    internal bool FedPastEnd { get; private set; }

    /// <summary>The cancellation the decoder's current read runs under; reads of the raw pipe observe it.</summary>
    internal CancellationToken Token { get; set; }

    /// <summary>
    /// From now on, keeps fed bytes at and after <paramref name="offset"/> buffered (a member's deflate data starts
    /// there); -1 stops keeping history.
    /// </summary>
    internal void KeepFrom(long offset) => _historyFloor = offset;

    /// <summary>Waits until <paramref name="count"/> bytes from <see cref="Offset"/> are buffered; false when the file ends first.</summary>
    internal bool Ensure(int count)
    {
        while (_bufferStart + _buffer.Length - Offset < count)
        {
            if (_completed) return false;
            ReadMore();
        }
        return true;
    }

    /// <summary>Bytes buffered from <see cref="Offset"/> on.</summary>
    internal long Available => _bufferStart + _buffer.Length - Offset;

    /// <summary>
    /// Copies up to <paramref name="destination"/>'s length of the buffered bytes from absolute offset
    /// <paramref name="offset"/> (which must be buffered: at or after the history floor); returns how many.
    /// </summary>
    internal int CopyAt(long offset, Span<byte> destination)
    {
        long start = offset - _bufferStart;
        int count = (int)Math.Min(destination.Length, Math.Max(0, _buffer.Length - start));
        if (count > 0) _buffer.Slice(start, count).CopyTo(destination);
        return count;
    }

    /// <summary>Reads exactly <paramref name="destination"/>'s length at <see cref="Offset"/> and moves past it; false at the end of the file.</summary>
    internal bool TryRead(Span<byte> destination)
    {
        if (!Ensure(destination.Length)) return false;
        CopyAt(Offset, destination);
        Offset += destination.Length;
        return true;
    }

    /// <summary>The inflater's read: at most <see cref="FeedChunk"/> bytes, 0 only at the end of the file.</summary>
    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (!Ensure(1))
        {
            FedPastEnd = true;
            return 0;
        }
        int count = CopyAt(Offset, buffer[..Math.Min(buffer.Length, FeedChunk)]);
        Offset += count;
        return count;
    }

    /// <summary>Hands the buffers back and completes the raw pipe (which closes the file unless it was left open).</summary>
    internal void Complete()
    {
        if (_hasBuffer) _raw.AdvanceTo(_buffer.End);
        _hasBuffer = false;
        _buffer = default;
        _raw.Complete();
    }

    private void ReadMore()
    {
        if (_hasBuffer)
        {
            // Keep what the trailer search may still need; everything else before the position is done with.
            long keep = _historyFloor < 0 ? Offset : Math.Max(_historyFloor, Offset - (long)HistoryChunks * FeedChunk - 8);
            keep = Math.Clamp(keep, _bufferStart, _bufferStart + _buffer.Length);
            _raw.AdvanceTo(_buffer.GetPosition(keep - _bufferStart), _buffer.End);
            // The old sequence is the pipe's again: a read cancelled below must not leave it looking buffered.
            _buffer = default;
            _bufferStart = keep;
            _hasBuffer = false;
        }
        ValueTask<ReadResult> pending = _raw.ReadAsync(Token);
        ReadResult result = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        _buffer = result.Buffer;
        _hasBuffer = true;
        _completed = result.IsCompleted;
        if (result.IsCanceled) throw new OperationCanceledException(Token);
    }
}
