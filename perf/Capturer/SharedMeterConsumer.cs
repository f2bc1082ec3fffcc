using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capturer;

/// <summary>
/// A consumer of several that share one meter (fan-out targets, group members): walks a block as every mode does
/// (length and first byte of each packet) and adds to the meter once per block, atomically.
/// </summary>
internal sealed class SharedMeterConsumer(Meter meter, long want, ManualResetEventSlim done, SharedMeterConsumer.StartOnce start) : IObserver<PacketBlock>
{
    public void OnNext(PacketBlock block)
    {
        Meter m = meter;
        if (Volatile.Read(ref start.Started) == 0 && Interlocked.Exchange(ref start.Started, 1) == 0) m.Start();
        long n = 0, bytes = 0, touch = 0;
        foreach (PacketRef p in block)
        {
            ReadOnlySpan<byte> data = p.Data;
            n++;
            bytes += data.Length;
            touch += data[0];
        }
        block.Dispose();
        Interlocked.Add(ref m.Bytes, bytes);
        Interlocked.Add(ref m.Touch, touch);
        m.MarkWall();
        if (Interlocked.Add(ref m.Packets, n) >= want)
        {
            m.Finish();
            done.Set();
        }
    }

    public void OnError(Exception error) => done.Set();

    public void OnCompleted() => done.Set();

    /// <summary>One run's "the meter has started": the first consumer's first block starts it, whichever consumer that is.</summary>
    internal sealed class StartOnce
    {
        public int Started;
    }
}
