using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// The Dataflow face of a <see cref="CaptureFileWriter"/>: a bounded <see cref="ActionBlock{T}"/> that
/// writes and disposes each block. It never faults the inner block, because a faulted ActionBlock drops
/// the blocks it holds without disposing them (leaking their leases); a fault or write error is kept,
/// the held blocks are still written (or, after a write error, disposed), and Completion reports it.
/// </summary>
internal sealed class CaptureFileTargetBlock : ITargetBlock<PacketBlock>
{
    private readonly CaptureFileWriter _writer;
    private readonly ActionBlock<PacketBlock> _inner;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _error;

    internal CaptureFileTargetBlock(CaptureFileWriter writer, int boundedCapacity)
    {
        _writer = writer;
        _inner = new ActionBlock<PacketBlock>(WriteOne, new ExecutionDataflowBlockOptions { BoundedCapacity = boundedCapacity });
        _inner.Completion.ContinueWith(_ => Finish(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public Task Completion => _completion.Task;

    public DataflowMessageStatus OfferMessage(DataflowMessageHeader messageHeader, PacketBlock messageValue, ISourceBlock<PacketBlock>? source, bool consumeToAccept) =>
        ((ITargetBlock<PacketBlock>)_inner).OfferMessage(messageHeader, messageValue, source, consumeToAccept);

    public void Complete() => _inner.Complete();

    public void Fault(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Interlocked.CompareExchange(ref _error, exception, null);
        _inner.Complete();
    }

    private void WriteOne(PacketBlock block)
    {
        try
        {
            if (Volatile.Read(ref _error) is null || _error is not WriteFailure) _writer.Write(block);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, new WriteFailure(e), null);
        }
        finally
        {
            block.Dispose();
        }
    }

    private void Finish()
    {
        try
        {
            _writer.Complete();
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, e, null);
        }
        Exception? error = _error is WriteFailure failure ? failure.InnerException : _error;
        if (error is null) _completion.TrySetResult();
        else _completion.TrySetException(error);
    }

    /// <summary>Marks an error that came from writing (after which held blocks are only disposed).</summary>
    private sealed class WriteFailure(Exception inner) : Exception(inner.Message, inner);
}
