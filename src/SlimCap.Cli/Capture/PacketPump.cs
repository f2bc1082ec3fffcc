using SlimCap.Cli.Output;
using SlimCap.Reactive;
using SlimCap.Reactive.Filters;

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
    /// <param name="source">Where packets come from; the pump wakes it through <see cref="CaptureSource.Unblock"/>, never disposes it.</param>
    /// <param name="sink">Where packets go; the caller completes it.</param>
    /// <param name="filter">A program run in user space on each packet as libpcap runs it on a file (capture files), or null (no filter, or the kernel runs it).</param>
    /// <param name="limit">Packets to write before ending, or 0 for no limit.</param>
    /// <param name="stop">Ends the loop at the next block or wake-up.</param>
    /// <param name="afterBlock">Called after each block (progress), or null.</param>
    public static long Run(CaptureSource source, IPacketSink sink, BpfProgram? filter, long limit, CancellationToken stop, Action? afterBlock = null)
    {
        long written = 0;
        using CancellationTokenRegistration wakeOnStop = stop.Register(source.Unblock);
        using var idle = new Timer(static s => ((CaptureSource)s!).Unblock(), source, IdleInterval, IdleInterval);
        while (!stop.IsCancellationRequested)
        {
            CaptureStatus status = source.NextBlock(out PacketBlock? block);
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
                    if (filter is not null && filter.Run(packet.Data, (uint)Math.Min(packet.TotalLength, uint.MaxValue)) == 0) continue;
                    sink.Write(packet);
                    if (++written == limit) return written;
                }
            }
            afterBlock?.Invoke();
        }
        return written;
    }
}
