using SlimCap.Reactive.Capture;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Feeds <see cref="TestTraffic"/> packets <c>0..count-1</c> into a <see cref="RingImageSource"/> from a producer
/// thread playing the kernel: it retires a block every <c>packetsPerBlock</c> packets, waits (losslessly) while the
/// ring is full, and completes the image at the end. Dispose stops the producer, then closes the image.
/// </summary>
internal sealed class RingImageFeed : IDisposable
{
    private readonly Thread _producer;
    private volatile bool _stop;

    internal RingImageFeed(long count, int packetsPerBlock = 16, int blockCount = 4, bool complete = true, int blockSize = 8192)
    {
        Source = new RingImageSource(blockSize: blockSize, blockCount: blockCount);
        _producer = new Thread(() =>
        {
            Span<byte> frame = stackalloc byte[TestTraffic.FrameLength];
            for (long i = 0; i < count && !_stop; i++)
            {
                int length = TestTraffic.Write(i, frame);
                while (!Source.TryAddPacket(frame[..length], TestTraffic.TypeOf(i), length, TestTraffic.TimestampOf(i)))
                {
                    if (_stop) return;
                    Thread.Sleep(1); // ring full: a reader or a lease holder must make room
                }
                if ((i + 1) % packetsPerBlock == 0) Source.RetireBlock();
            }
            if (_stop) return;
            if (complete) Source.Complete();
            else Source.RetireBlock();
        }) { IsBackground = true, Name = "ring image producer" };
        _producer.Start();
    }

    internal RingImageSource Source { get; }

    /// <summary>True when no block is leased: every block is back with the (simulated) kernel.</summary>
    internal bool AllBlocksReturned => Source.LeasedBlocks == 0;

    public void Dispose()
    {
        _stop = true;
        _producer.Join();
        Source.Dispose();
    }
}
