using SlimCap.Reactive.Files;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// A read-only stream of byte parts and runs of zeros, made as it is read: a file of hundreds of MiB whose few
/// structured bytes are given, without holding it in memory.
/// </summary>
internal sealed class SyntheticStream : ReadOnlyStream
{
    private readonly List<(byte[]? Bytes, long Zeros)> _parts = new();
    private int _part;
    private long _inPart;

    /// <summary>Appends bytes.</summary>
    public SyntheticStream Bytes(byte[] bytes)
    {
        _parts.Add((bytes, 0));
        return this;
    }

    /// <summary>Appends <paramref name="count"/> zero bytes.</summary>
    public SyntheticStream Zeros(long count)
    {
        _parts.Add((null, count));
        return this;
    }

    public override int Read(Span<byte> buffer)
    {
        while (_part < _parts.Count)
        {
            (byte[]? bytes, long zeros) = _parts[_part];
            long length = bytes?.Length ?? zeros;
            if (_inPart == length)
            {
                _part++;
                _inPart = 0;
                continue;
            }
            int n = (int)Math.Min(buffer.Length, length - _inPart);
            if (bytes is not null) bytes.AsSpan((int)_inPart, n).CopyTo(buffer);
            else buffer[..n].Clear();
            _inPart += n;
            return n;
        }
        return 0;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));
}
