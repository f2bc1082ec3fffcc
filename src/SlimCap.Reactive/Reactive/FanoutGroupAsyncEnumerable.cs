using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Threading.Channels;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>The <c>await foreach</c> surface of a <see cref="FanoutGroupSource"/>: every member's packets in one enumeration.</summary>
[SupportedOSPlatform("linux")]
public static class FanoutGroupAsyncEnumerable
{
    /// <summary>
    /// Enumerates every member's packets, each member read on its own capture thread into one bounded queue of
    /// <c>2 × MemberCount</c> blocks. Lifetime and ending as <see cref="CaptureAsyncEnumerable.ReadAllAsync(CaptureSource, CancellationToken)"/>:
    /// a packet is valid until the next iteration; <c>break</c>, disposal or cancellation stop every member and release
    /// every block (queued blocks unread). Order within a member is the ring's; members interleave by block with no order
    /// across them (<see cref="FanoutGroupSource"/>); <see cref="PacketRef.FanoutMember"/> says which member captured a
    /// packet. The loop body resumes on the thread pool. A member's failure is thrown after the packets queued before it;
    /// closing the group ends the enumeration.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    public static IAsyncEnumerable<PacketRef> ReadAllAsync(this FanoutGroupSource group, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        return ReadAllAsync(group, 2 * group.MemberCount, cancellationToken);
    }

    /// <summary>As <see cref="ReadAllAsync(FanoutGroupSource, CancellationToken)"/>, queueing at most <paramref name="boundedCapacity"/> blocks (over all members) ahead of the reader.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    /// <exception cref="InvalidCaptureOptionException"><paramref name="boundedCapacity"/> is not between 1 and <see cref="CaptureAsyncOptions.MaxBoundedCapacity"/>.</exception>
    public static IAsyncEnumerable<PacketRef> ReadAllAsync(this FanoutGroupSource group, int boundedCapacity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        InvalidCaptureOptionException.ThrowIfOutOfRange(boundedCapacity, 1, CaptureAsyncOptions.MaxBoundedCapacity, nameof(boundedCapacity));
        return Enumerate(group, boundedCapacity, cancellationToken);
    }

    private static async IAsyncEnumerable<PacketRef> Enumerate(FanoutGroupSource group, int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (group.IsDisposed) yield break;
        Channel<PacketBlock> queue = Channel.CreateUnbounded<PacketBlock>(new UnboundedChannelOptions { SingleReader = true });
        using var space = new SemaphoreSlim(capacity, capacity);
        using var stopping = new CancellationTokenSource();
        using FanoutGroupMerge merge = new FanoutGroupMerge(group, new QueueSink(queue.Writer, space, stopping.Token), serialize: false).Start();
        try
        {
            while (await queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (queue.Reader.TryRead(out PacketBlock? block))
                {
                    space.Release();
                    try
                    {
                        foreach (PacketRef packet in block) yield return packet;
                    }
                    finally
                    {
                        block.Dispose();
                    }
                }
            }
        }
        finally
        {
            // Wake writers waiting for room first, so that stopping the members does not wait for a reader that left.
            stopping.Cancel();
            merge.Dispose();
            while (queue.Reader.TryRead(out PacketBlock? left)) left.Dispose();
        }
    }

    /// <summary>The members' side of the queue: a capture thread waits (blocking its own dedicated thread, allocating nothing) while the queue is full.</summary>
    private sealed class QueueSink(ChannelWriter<PacketBlock> writer, SemaphoreSlim space, CancellationToken stopping) : IFanoutMergeSink
    {
        public void OnBlock(PacketBlock block)
        {
            try
            {
                space.Wait(stopping);
            }
            catch (OperationCanceledException)
            {
                block.Dispose(); // the reader has left
                return;
            }
            if (!writer.TryWrite(block)) block.Dispose(); // completed meanwhile (another member failed)
        }

        public void OnError(Exception error) => writer.TryComplete(error);

        public void OnCompleted() => writer.TryComplete();
    }
}
