namespace SlimCap.Reactive.Capturer;

/// <summary>
/// Experiment for the file benchmark (FILE_SYNC_STREAM=1): a read-only file stream whose ReadAsync
/// completes synchronously (a plain read(2)), so that the library's PipeReader never hops to the thread
/// pool nor blocks on <c>AsTask()</c> (see RESULTS.md, "Files"). Not a library change: it goes through the
/// public <c>CaptureFileSource.Open(Stream, ...)</c>.
/// </summary>
internal sealed class SyncReadStream(string path) : Stream
{
    private readonly FileStream _inner = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _inner.Length;
    public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => _inner.Read(buffer);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(_inner.Read(buffer.Span));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(_inner.Read(buffer, offset, count));
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
