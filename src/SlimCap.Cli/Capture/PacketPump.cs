using SlimCap.Cli.Output;
using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Capture;

/// <summary>
/// The one read loop every command uses: blocks from a source, packets through an optional user-space filter into a
/// sink, until a count, the end of a file, or a stop request (signal, duration).
/// </summary>
internal static class PacketPump
{
    /// <summary>How often a live source is woken when no packet comes, so the sink can rotate and flush and a stop is seen.</summary>
    public static readonly TimeSpan IdleInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Reads <paramref name="source"/> into <paramref name="sink"/> and returns the packets written. Ends when
    /// <paramref name="limit"/> packets were written (0: no limit), when the source stops (a file ended), or when
    /// <paramref name="stop"/> is cancelled (checked at least every <see cref="IdleInterval"/>).
    /// </summary>
    /// <param name="source">Where blocks come from; the pump wakes it, never disposes it.</param>
    /// <param name="sink">Where packets go; the caller completes it.</param>
    /// <param name="filter">A filter run in user space on each packet (capture files), or null (no filter, or the kernel runs it).</param>
    /// <param name="limit">Packets to write before ending, or 0 for no limit.</param>
    /// <param name="stop">Ends the loop at the next block or wake-up.</param>
    /// <param name="afterBlock">Called after each block with the packets written so far (progress), or null.</param>
    public static long Run(IBlockFeed source, IPacketSink sink, PacketFilter? filter, long limit, CancellationToken stop, Action<long>? afterBlock = null)
    {
        long written = 0;
        using CancellationTokenRegistration wakeOnStop = stop.Register(source.Wake);
        using var idle = new Timer(static s => ((IBlockFeed)s!).Wake(), source, IdleInterval, IdleInterval);
        while (!stop.IsCancellationRequested)
        {
            CaptureStatus status = source.Next(out PacketBlock? block);
            if (status == CaptureStatus.Stopped) break;
            if (block is null)
            {
                sink.Idle(DateTimeOffset.UtcNow);
                continue;
            }
            using (block)
            {
                foreach (PacketRef packet in block)
                {
                    if (filter is not null && !filter.Keeps(packet)) continue;
                    sink.Write(packet);
                    if (++written == limit) return written;
                }
            }
            afterBlock?.Invoke(written);
        }
        return written;
    }
}
