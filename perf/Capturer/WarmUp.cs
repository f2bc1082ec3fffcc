using System.Diagnostics;

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

    /// <summary>A replaying ring image of 4 x 1 MiB blocks full of 64-byte OTHERHOST frames: an endless stream.</summary>
    public static RingImageSource Image(int snapLength, long replayBlocks = long.MaxValue)
    {
        var image = new RingImageSource(blockSize: 1 << 20, blockCount: 4, snapLength: snapLength,
            name: "image", replayLimit: replayBlocks);
        byte[] frame = Frame();
        while (image.TryAddPacket(frame, PacketType.OtherHost)) { }
        return image;
    }

    /// <summary>A 64-byte Ethernet/IPv4/UDP frame like the generator's (198.18.0.1 -> 198.19.0.2).</summary>
    public static byte[] Frame(int length = 64)
    {
        byte[] f = new byte[length];
        byte[] header =
        [
            0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
            0x45, 0, 0, (byte)(length - 14), 0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 19, 0, 2,
            0x04, 0x00, 0x23, 0x28, 0, (byte)(length - 34), 0, 0, (byte)'S', (byte)'C', (byte)'B', (byte)'1',
        ];
        header.CopyTo(f, 0);
        return f;
    }
}
