using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Files;

/// <summary>
/// Blocking, position-tracking access to a <see cref="PipeReader"/> for the file parsers. A parser
/// asks for the bytes of one whole structure with <see cref="Ensure"/>, reads them with
/// <see cref="Peek"/>, and consumes them with <see cref="Advance"/>; nothing is consumed until the
/// structure is complete, so a cancelled or non-blocking attempt can simply be repeated.
/// </summary>
/// <remarks>
/// Memory: the pipe buffers only what was asked for plus one read's worth, and a parser asks only
/// for lengths it has already checked against its format's limits, so a lying length costs at most
/// those limits, and only if the bytes are really there. A sequence from <see cref="Peek"/> is valid
/// until the next <see cref="Ensure"/> (which may hand buffers back to the pipe).
/// </remarks>
internal sealed class PipeByteReader
{
    private readonly PipeReader _reader;
    private readonly string _name;
    private ReadOnlySequence<byte> _buffer;
    private long _consumed;
    private long _offset;
    private bool _hasBuffer;
    private bool _completed;
    private bool _closed;

    internal PipeByteReader(PipeReader reader, string name)
    {
        _reader = reader;
        _name = name;
    }

    /// <summary>Offset in the stream of the first unconsumed byte.</summary>
    internal long Offset => _offset;

    /// <summary>Bytes buffered and not yet consumed.</summary>
    internal long Available => _buffer.Length - _consumed;

    /// <summary>Waits (when <paramref name="mayBlock"/>) until <paramref name="count"/> unconsumed bytes are buffered.</summary>
    internal ReadOutcome Ensure(long count, bool mayBlock = true)
    {
        while (_buffer.Length - _consumed < count)
        {
            if (_completed) return ReadOutcome.End;
            if (!mayBlock) return ReadOutcome.WouldBlock;
            if (_hasBuffer)
            {
                // Everything was examined and more is needed: the next read waits for new bytes.
                _reader.AdvanceTo(_buffer.GetPosition(_consumed), _buffer.End);
                _hasBuffer = false;
            }
            ReadResult result = Read();
            _buffer = result.Buffer;
            _consumed = 0;
            _hasBuffer = true;
            _completed = result.IsCompleted;
            if (result.IsCanceled) return ReadOutcome.Canceled;
        }
        return ReadOutcome.Ready;
    }

    /// <summary>The next <paramref name="count"/> unconsumed bytes; <see cref="Ensure"/> must have made them available.</summary>
    internal ReadOnlySequence<byte> Peek(long count) => _buffer.Slice(_consumed, count);

    /// <summary>
    /// The next <paramref name="count"/> unconsumed bytes as one span: a slice of the pipe's buffer when
    /// they lie in one segment, otherwise a copy in <paramref name="scratch"/>.
    /// </summary>
    internal ReadOnlySpan<byte> PeekSpan(int count, Span<byte> scratch)
    {
        ReadOnlySequence<byte> bytes = _buffer.Slice(_consumed, count);
        if (bytes.IsSingleSegment) return bytes.FirstSpan;
        bytes.CopyTo(scratch);
        return scratch[..count];
    }

    /// <summary>
    /// The unconsumed bytes of the pipe segment the next byte lies in: <paramref name="buffer"/>'s array from
    /// <paramref name="start"/> for <paramref name="length"/> bytes. The parsers' fast path reads whole records
    /// from it as a span and views them by (buffer, offset), with no sequence slicing per record. False when
    /// nothing is buffered, the next byte starts a segment not yet reached, or the segment is not a
    /// <see cref="PipeBuffer"/>: the general path (<see cref="Ensure"/>, <see cref="Peek"/>) then goes on.
    /// Valid until the next <see cref="Ensure"/>; not cached, since a read may grow the tail segment.
    /// </summary>
    internal bool TryGetSegment([NotNullWhen(true)] out PipeBuffer? buffer, out int start, out int length)
    {
        if (_hasBuffer && _consumed < _buffer.Length)
        {
            // Once per batch of records, not per record: the slice walks the (few) segments.
            ReadOnlyMemory<byte> first = _buffer.Slice(_consumed).First;
            if (!first.IsEmpty && MemoryMarshal.TryGetMemoryManager(first, out buffer, out start, out length))
                return true;
        }
        buffer = null;
        start = 0;
        length = 0;
        return false;
    }

    /// <summary>Consumes <paramref name="count"/> buffered bytes.</summary>
    internal void Advance(long count)
    {
        _consumed += count;
        _offset += count;
    }

    /// <summary>Wakes a blocked <see cref="Ensure"/>, which returns <see cref="ReadOutcome.Canceled"/>. Thread-safe.</summary>
    internal void CancelPendingRead() => _reader.CancelPendingRead();

    /// <summary>Returns the buffers and completes the reader (which closes the stream unless it was left open). Once.</summary>
    internal void Complete()
    {
        if (_closed) return;
        _closed = true;
        if (_hasBuffer) _reader.AdvanceTo(_buffer.End);
        _hasBuffer = false;
        _buffer = default;
        _reader.Complete();
    }

    private ReadResult Read()
    {
        try
        {
            ValueTask<ReadResult> pending = _reader.ReadAsync();
            return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            // gzip damage surfaces as InvalidDataException from GZipStream: it is file damage too.
            throw new CaptureFileException(_name, _offset + Available, "reading the file failed: " + e.Message, e);
        }
    }
}
