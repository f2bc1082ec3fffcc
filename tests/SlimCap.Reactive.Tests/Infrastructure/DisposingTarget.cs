using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// A Dataflow target that accepts every block offered, reads its packets and disposes it at once, on the offering
/// thread: a fan-out's targets without queues or tasks of their own, so what the producer's thread allocates is the
/// fan-out's (and the reads') alone. Counts what it read.
/// </summary>
internal sealed class DisposingTarget : ITargetBlock<PacketBlock>
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal long Blocks { get; private set; }

    internal long Packets { get; private set; }

    public Task Completion => _completion.Task;

    public DataflowMessageStatus OfferMessage(DataflowMessageHeader messageHeader, PacketBlock messageValue, ISourceBlock<PacketBlock>? source, bool consumeToAccept)
    {
        if (consumeToAccept)
        {
            messageValue = source!.ConsumeMessage(messageHeader, this, out bool consumed)!;
            if (!consumed) return DataflowMessageStatus.NotAvailable;
        }
        Blocks++;
        foreach (PacketRef packet in messageValue) Packets++; // a partition's view walk, as a real target's
        messageValue.Dispose();
        return DataflowMessageStatus.Accepted;
    }

    public void Complete() => _completion.TrySetResult();

    public void Fault(Exception exception) => _completion.TrySetException(exception);
}
