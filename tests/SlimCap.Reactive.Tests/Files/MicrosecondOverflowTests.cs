using System.Buffers.Binary;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// pcap records whose microsecond field × 1000 does not fit 32 bits: converted to nanosecond pcap they are written as
/// <c>tcpdump --time-stamp-precision=nano -w</c> writes them (libpcap's 32-bit arithmetic wraps the fraction), while
/// <see cref="PacketRef.Timestamp"/> keeps the whole time.
/// </summary>
public class MicrosecondOverflowTests
{
    private const uint Seconds = 1_700_000_000;
    private static readonly uint[] Microseconds = [0, 999_999, 1_000_000, 4_294_967, 4_294_968, 2_147_483_648, 0xFFFFFFFF];

    private static byte[] MicrosecondFile()
    {
        var b = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 65535, 1);
        foreach (uint usec in Microseconds) b.PcapRecord(Seconds, usec, 60, 60, TestBlocks.Frame(60));
        return b.ToArray();
    }

    [Fact]
    public void Convert_writes_the_fraction_as_libpcap_does_and_Timestamp_keeps_the_whole_time()
    {
        byte[] input = MicrosecondFile();
        (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(input);
        Assert.Null(error);
        for (int i = 0; i < Microseconds.Length; i++)
            Assert.Equal(Seconds * 1_000_000_000L + Microseconds[i] * 1000L, records[i].Ns);

        (byte[] written, Exception? convertError) = FileRecords.Convert(input, CaptureFileFormat.Pcap);
        Assert.Null(convertError);
        for (int i = 0; i < Microseconds.Length; i++)
        {
            ReadOnlySpan<byte> header = written.AsSpan(24 + i * (16 + 60), 16);
            Assert.Equal(Seconds, BinaryPrimitives.ReadUInt32LittleEndian(header));
            Assert.Equal(unchecked((uint)(Microseconds[i] * 1000UL)), BinaryPrimitives.ReadUInt32LittleEndian(header[4..]));
        }

        // The same as tcpdump's own rewrite, record for record, when tcpdump is here to ask.
        if (Tcpdump.Path is null) return;
        string path = Path.Combine(Path.GetTempPath(), $"slimcap-usec-{Guid.NewGuid():N}.pcap");
        try
        {
            File.WriteAllBytes(path, input);
            (int exit, byte[] stdout, string stderr) = Tcpdump.Run("--time-stamp-precision=nano", "-r", path, "-w", "-");
            Assert.True(exit == 0, $"tcpdump failed ({exit}): {stderr}");
            Assert.Equal(stdout[24..], written[24..]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
