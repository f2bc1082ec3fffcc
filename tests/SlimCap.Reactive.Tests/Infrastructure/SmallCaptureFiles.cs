using System.IO.Compression;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Small capture files made in memory: a plain pcap of a few records, and gzip of any bytes.</summary>
internal static class SmallCaptureFiles
{
    /// <summary>A pcap file of <paramref name="records"/> 60-byte records, one a second from <paramref name="firstSecond"/>.</summary>
    internal static byte[] Pcap(int records = 10, uint firstSecond = 0, bool header = true)
    {
        var b = new CaptureFileBuilder(false);
        if (header) b.PcapHeader(0xA1B2C3D4, 2, 4, 65535, 1);
        for (uint i = 0; i < records; i++) b.PcapRecord(firstSecond + i, 0, 60, 60, TestBlocks.Frame(60));
        return b.ToArray();
    }

    /// <summary>gzip of <paramref name="data"/>; with <paramref name="flushEvery"/>, a sync flush after each such slice, so
    /// the compressed file has many places where what precedes inflates to whole records.</summary>
    internal static byte[] Gzip(byte[] data, int flushEvery = 0)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            if (flushEvery <= 0) gzip.Write(data);
            else
            {
                for (int at = 0; at < data.Length; at += flushEvery)
                {
                    gzip.Write(data.AsSpan(at, Math.Min(flushEvery, data.Length - at)));
                    gzip.Flush();
                }
            }
        }
        return output.ToArray();
    }
}
