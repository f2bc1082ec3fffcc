using System.Runtime.Versioning;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Events;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Files;

/// <summary>
/// A FIFO, pipe, terminal or socket read by a file source: each read first waits in poll on the descriptor and an
/// eventfd, so the cancellation the pipe passes (Unblock, Dispose) wakes a reader whose writer went quiet (as
/// <c>tcpdump -w -</c> on an idle link), instead of leaving it in a read(2) no signal reaches. Reads are done in
/// place, on the file source's reader thread. Regular files do not come here: they never block for long.
/// </summary>
/// <remarks>
/// Polling before each read, rather than setting O_NONBLOCK, leaves a shared descriptor (stdin, whose file
/// description the shell and other processes share) as it found it, and makes a FIFO opened before its writer wait
/// for the writer instead of reading as an empty file.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class WakeableFileStream : ReadOnlyStream
{
    private readonly FileDescriptorHandle _fd;
    private readonly WakeSignal _wake = new();
    private readonly string _name;

    /// <param name="fd">The descriptor; the stream closes it when it owns it (a <see cref="FileDescriptorHandle"/> made with ownsHandle false does not).</param>
    /// <param name="name">The path or "-", for messages.</param>
    internal WakeableFileStream(FileDescriptorHandle fd, string name)
    {
        _fd = fd;
        _name = name;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
        try
        {
            return new ValueTask<int>(Read(buffer.Span, cancellationToken));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer) => Read(buffer, CancellationToken.None);

    private int Read(Span<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.IsEmpty) return 0;
        using CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static wake => ((WakeSignal)wake!).SignalUnblock(), _wake)
            : default;
        while (true)
        {
            switch (_wake.Wait(_fd, -1, out int pollErrno))
            {
                case WaitResult.Unblocked:
                case WaitResult.Stopped:
                    cancellationToken.ThrowIfCancellationRequested();
                    continue; // a wake left over from a read that had already finished
                case WaitResult.SocketError when pollErrno != 0:
                    throw new IOException($"poll({_name}) failed: {Errno.Name(pollErrno)} ({Errno.Describe(pollErrno)})");
            }
            // Readable, or hung up (the writer closed: the read returns what is left, then 0).
            int count = Syscalls.Read(_fd, buffer);
            if (count >= 0) return count;
            if (-count == Errno.EAGAIN) continue; // another reader of the same pipe took the bytes
            throw new IOException($"read({_name}) failed: {Errno.Name(-count)} ({Errno.Describe(-count)})");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fd.Dispose();
            _wake.Dispose();
        }
        base.Dispose(disposing);
    }
}
