namespace SlimCap.Reactive.Files;

/// <summary>
/// A regular file read with plain synchronous reads, also through <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>.
/// The file source consumes its pipe on a dedicated reader thread, so an asynchronous file read would only add a
/// thread-pool hop and a task per buffer (a sync FileStream's ReadAsync queues the read to the pool). A regular
/// file's read never blocks for long, so nothing is lost by reading in place. Pipes and terminals (stdin) keep
/// their asynchronous reads, which Unblock and Dispose can interrupt.
/// </summary>
internal sealed class RegularFileStream(FileStream file) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => file.Length;
    public override long Position { get => file.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => file.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => file.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        try
        {
            return new ValueTask<int>(file.Read(buffer.Span));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) file.Dispose();
        base.Dispose(disposing);
    }
}
