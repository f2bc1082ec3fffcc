using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Benchmarks;

/// <summary>The in-memory stream every ring benchmark reads, identical to perf/baseline/ringwalk.c's.</summary>
internal static class Images
{
    public const int BlockSize = 1 << 20;
    public const int BlockCount = 4;
    public const int FrameLength = 64;

    /// <summary>Packets per 1 MiB block of 64-byte frames: (2^20 - 48) / 160.</summary>
    public const int PacketsPerBlock = 6553;

    /// <summary>Packets per benchmark invocation: a whole number of blocks (160 of them).</summary>
    public const int Packets = PacketsPerBlock * 160;

    /// <summary>
    /// 4 x 1 MiB blocks of 64-byte OTHERHOST frames, replayed endlessly; the UDP ports cycle as the generator's do,
    /// so a flow partitioner sees many flows (the walk itself is the same as ringwalk.c's).
    /// </summary>
    public static RingImageSource Replay(int snapLength = 128)
    {
        var image = new RingImageSource(BlockSize, BlockCount, snapLength, LinkType.Ethernet, 1, "bench", long.MaxValue);
        byte[] frame = Frame(FrameLength);
        for (long seq = 0; ; seq++)
        {
            SlimCap.Reactive.Perf.GeneratorFrame.SetSequence(frame, seq);
            if (!image.TryAddPacket(frame, PacketType.OtherHost)) break;
        }
        if (image.SlotSize(FrameLength) != 160) throw new InvalidOperationException($"slot size {image.SlotSize(FrameLength)}, expected the kernel's 160");
        return image;
    }

    /// <summary>The generator's frame (see <see cref="SlimCap.Reactive.Perf.GeneratorFrame"/>).</summary>
    public static byte[] Frame(int length = 64) => SlimCap.Reactive.Perf.GeneratorFrame.Create(length);
}

/// <summary>What each benchmark touches per packet: count, captured length, first byte (as the C floor).</summary>
public sealed class Counter
{
    public long Packets;
    public long Bytes;
    public long Touch;

    public void Reset() => Packets = Bytes = Touch = 0;
}
