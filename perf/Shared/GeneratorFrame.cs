namespace SlimCap.Reactive.Perf;

/// <summary>
/// The frame the referee's generator sends (Ethernet/IPv4/UDP 198.18.0.1 -> 198.19.0.2, payload "SCB1"),
/// shared by the capturer's warm-up and the in-memory benchmarks (linked into both projects).
/// </summary>
internal static class GeneratorFrame
{
    public static byte[] Create(int length = 64)
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

    /// <summary>
    /// Makes <paramref name="frame"/> the generator's packet number <paramref name="sequence"/>: UDP source port
    /// 1024 + seq % 4096, destination port 9000 + seq % 16, as gen.c cycles them. Flows then alternate packet by
    /// packet as on the wire, which is what a flow partitioner sees live (one fixed flow would send every packet to
    /// one target).
    /// </summary>
    public static void SetSequence(byte[] frame, long sequence)
    {
        int source = 1024 + (int)(sequence % 4096), destination = 9000 + (int)(sequence % 16);
        frame[34] = (byte)(source >> 8);
        frame[35] = (byte)source;
        frame[36] = (byte)(destination >> 8);
        frame[37] = (byte)destination;
    }
}
