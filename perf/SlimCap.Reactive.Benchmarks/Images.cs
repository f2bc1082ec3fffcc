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

    /// <summary>4 x 1 MiB blocks of 64-byte OTHERHOST frames, replayed endlessly.</summary>
    public static RingImageSource Replay(int snapLength = 128)
    {
        var image = new RingImageSource(BlockSize, BlockCount, snapLength, LinkType.Ethernet, 1, "bench", long.MaxValue);
        byte[] frame = Frame(FrameLength);
        while (image.TryAddPacket(frame, PacketType.OtherHost)) { }
        if (image.SlotSize(FrameLength) != 160) throw new InvalidOperationException($"slot size {image.SlotSize(FrameLength)}, expected the kernel's 160");
        return image;
    }

    /// <summary>A 64-byte Ethernet/IPv4/UDP frame like the generator's (198.18.0.1 -> 198.19.0.2, "SCB1").</summary>
    public static byte[] Frame(int length)
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

/// <summary>What each benchmark touches per packet: count, captured length, first byte (as the C floor).</summary>
public sealed class Counter
{
    public long Packets;
    public long Bytes;
    public long Touch;

    public void Reset() => Packets = Bytes = Touch = 0;
}
