using System.Diagnostics;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capturer;

/// <summary>
/// Runs a mode's read loop on an in-memory ring image (replayed endlessly) before the live source
/// opens, long enough and often enough that the JIT has promoted the hot methods to tier 1 (with
/// dynamic PGO) before the measured window starts.
/// </summary>
internal static class WarmUp
{
    public static void Run(Mode mode, int snapLength, TimeSpan duration)
    {
        using RingImageSource image = Image(snapLength);
        var stop = new StopSignal();
        var meter = new Meter();
        var clock = Stopwatch.StartNew();
        // Enough calls of the run method itself (tier-1 promotion needs 30) and enough time for
        // the background compiler; then a pause so queued rejits finish outside the window.
        for (int calls = 0; calls < 64 || clock.Elapsed < duration; calls++)
        {
            meter.Reset();
            mode.Run(image, meter, 20_000, stop);
            meter.Finish();
        }
        Thread.Sleep(300);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>A replaying ring image of 4 x 1 MiB blocks full of 64-byte OTHERHOST frames with the generator's
    /// port cycle: an endless stream.</summary>
    public static RingImageSource Image(int snapLength, long replayBlocks = long.MaxValue)
    {
        var image = new RingImageSource(blockSize: 1 << 20, blockCount: 4, snapLength: snapLength,
            name: "image", replayLimit: replayBlocks);
        byte[] frame = Frame();
        for (long seq = 0; ; seq++)
        {
            SlimCap.Reactive.Perf.GeneratorFrame.SetSequence(frame, seq); // the generator's port cycle: many flows
            if (!image.TryAddPacket(frame, PacketType.OtherHost)) break;
        }
        return image;
    }

    /// <summary>The generator's frame (see <see cref="SlimCap.Reactive.Perf.GeneratorFrame"/>).</summary>
    public static byte[] Frame(int length = 64) => SlimCap.Reactive.Perf.GeneratorFrame.Create(length);
}
