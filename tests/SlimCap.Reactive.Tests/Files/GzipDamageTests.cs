using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// Damage at the end of a gzip file: every record before it, then a <see cref="CaptureFileException"/> that says
/// what is wrong; a cut gzip file never reads as a clean end; concatenated members read as zcat reads them.
/// </summary>
public class GzipDamageTests
{
    private const int Records = 10;

    private static (List<FileRecordCopy> Records, Exception? Error) ReadBoth(byte[] file, string what)
    {
        var whole = FileRecords.Read(file);
        // The same bytes trickled in through a pipe-like stream must give the same outcome.
        var trickled = FileRecords.Read(() => CaptureFileSource.Open(new ChunkedStream(file, 7, 13), what));
        Assert.Equal(whole.Records.Count, trickled.Records.Count);
        Assert.Equal(whole.Error?.GetType(), trickled.Error?.GetType());
        return whole;
    }

    [Fact]
    public void A_bad_CRC_yields_every_record_then_names_the_CRC()
    {
        byte[] file = SmallCaptureFiles.Gzip(SmallCaptureFiles.Pcap());
        file[^8] ^= 0x01;
        (List<FileRecordCopy> records, Exception? error) = ReadBoth(file, "bad-crc");
        Assert.Equal(Records, records.Count);
        var e = Assert.IsType<CaptureFileException>(error);
        Assert.Contains("CRC32", e.Problem);
        Assert.Equal(SmallCaptureFiles.Pcap().Length, e.Offset);
    }

    [Fact]
    public void A_bad_length_in_the_trailer_is_named()
    {
        byte[] file = SmallCaptureFiles.Gzip(SmallCaptureFiles.Pcap());
        file[^2] ^= 0x40;
        (List<FileRecordCopy> records, Exception? error) = ReadBoth(file, "bad-isize");
        Assert.Equal(Records, records.Count);
        Assert.Contains("ISIZE", Assert.IsType<CaptureFileException>(error).Problem);
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { 0x1F })]
    [InlineData(new byte[] { 0x47, 0x41, 0x52, 0x42, 0x41, 0x47, 0x45 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void Trailing_data_yields_every_record_then_names_it(byte[] trailing)
    {
        byte[] file = [.. SmallCaptureFiles.Gzip(SmallCaptureFiles.Pcap()), .. trailing];
        (List<FileRecordCopy> records, Exception? error) = ReadBoth(file, "trailing");
        Assert.Equal(Records, records.Count);
        var e = Assert.IsType<CaptureFileException>(error);
        Assert.Contains("trailing data", e.Problem);
        Assert.Contains($"compressed byte {file.Length - trailing.Length}", e.Problem);
    }

    [Fact]
    public void Every_cut_of_a_gzip_file_is_an_error_never_a_clean_end()
    {
        byte[] pcap = SmallCaptureFiles.Pcap();
        // Flushing after every record puts inflated record boundaries at many compressed offsets.
        byte[] file = SmallCaptureFiles.Gzip(pcap, flushEvery: 76);
        int cleanEnds = 0, atRecordBoundary = 0;
        for (int cut = 2; cut < file.Length; cut++)
        {
            (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(file[..cut]);
            if (error is null) cleanEnds++;
            else
            {
                var e = Assert.IsType<CaptureFileException>(error);
                if (e.Problem.Contains("truncated gzip stream")) atRecordBoundary += records.Count > 0 && e.Offset == 24 + 76 * records.Count ? 1 : 0;
            }
            Assert.True(records.Count <= Records);
        }
        Assert.Equal(0, cleanEnds);
        // The flushes make cuts whose inflated bytes end exactly after a record: they are reported as gzip cuts.
        Assert.True(atRecordBoundary > 5, $"only {atRecordBoundary} cuts at a record boundary were named gzip cuts");
        // The trailer alone missing: every record, then the cut.
        (List<FileRecordCopy> all, Exception? missing) = FileRecords.Read(file[..^8]);
        Assert.Equal(Records, all.Count);
        Assert.Contains("truncated gzip stream", Assert.IsType<CaptureFileException>(missing).Problem);
        Assert.Contains("trailer", ((CaptureFileException)missing!).Problem);
    }

    [Fact]
    public void Concatenated_members_read_as_one_file_as_zcat_reads_them()
    {
        byte[] first = SmallCaptureFiles.Gzip(SmallCaptureFiles.Pcap(4));
        byte[] second = SmallCaptureFiles.Gzip(SmallCaptureFiles.Pcap(3, firstSecond: 4, header: false));
        byte[] third = SmallCaptureFiles.Gzip([]);
        byte[] fourth = SmallCaptureFiles.Gzip(SmallCaptureFiles.Pcap(3, firstSecond: 7, header: false), flushEvery: 50);
        byte[] file = [.. first, .. second, .. third, .. fourth];
        (List<FileRecordCopy> records, Exception? error) = ReadBoth(file, "members");
        Assert.Null(error);
        Assert.Equal(Enumerable.Range(0, Records).Select(i => (long)i * 1_000_000_000), records.Select(r => r.Ns));
        if (ZcatOutput(file) is { } inflated) Assert.Equal(SmallCaptureFiles.Pcap(), inflated);
        // A damaged later member still yields every record of the members before it.
        byte[] damaged = [.. first, .. second[..^8], .. new byte[8], .. fourth];
        (List<FileRecordCopy> before, Exception? failure) = FileRecords.Read(damaged);
        Assert.Equal(7, before.Count);
        Assert.Contains("CRC32", Assert.IsType<CaptureFileException>(failure).Problem);
    }

    [Fact]
    public void Header_fields_are_skipped_and_a_bad_header_CRC_is_named()
    {
        byte[] plain = SmallCaptureFiles.Gzip(SmallCaptureFiles.Pcap());
        // The same member with FEXTRA, FNAME, FCOMMENT and FHCRC set, as some tools write it.
        var header = new List<byte> { 0x1F, 0x8B, 8, 0x02 | 0x04 | 0x08 | 0x10, 0, 0, 0, 0, 0, 3 };
        header.AddRange([4, 0, (byte)'A', (byte)'B', 2, 0]);
        header.AddRange("trace.pcap\0"u8.ToArray());
        header.AddRange("a comment\0"u8.ToArray());
        var crc = new System.IO.Hashing.Crc32();
        crc.Append(header.ToArray());
        ushort headerCrc = (ushort)crc.GetCurrentHashAsUInt32();
        header.AddRange([(byte)headerCrc, (byte)(headerCrc >> 8)]);
        byte[] file = [.. header, .. plain[10..]];
        (List<FileRecordCopy> records, Exception? error) = ReadBoth(file, "fields");
        Assert.Null(error);
        Assert.Equal(Records, records.Count);

        file[header.Count - 1] ^= 0x10;
        var e = Assert.Throws<CaptureFileException>(() => CaptureFileSource.Open(new MemoryStream(file), "bad-hcrc"));
        Assert.Contains("header CRC16", e.Problem);
        plain[2] = 7;
        Assert.Contains("compression method 7", Assert.Throws<CaptureFileException>(() => CaptureFileSource.Open(new MemoryStream(plain), "method")).Problem);
    }

    [Fact]
    public void Damaged_deflate_data_is_a_CaptureFileException()
    {
        byte[] file = SmallCaptureFiles.Gzip(SmallCaptureFiles.Pcap(200));
        int errors = 0;
        for (int at = 10; at < file.Length - 8; at += 7)
        {
            byte[] damaged = (byte[])file.Clone();
            damaged[at] ^= 0x55;
            (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(damaged);
            // Whatever the inflater makes of it, the CRC check or the inflater itself reports the damage.
            Assert.NotNull(error);
            errors++;
        }
        Assert.True(errors > 10);
    }

    /// <summary>What gzip -dc makes of <paramref name="file"/>, or null when gzip is not installed.</summary>
    private static byte[]? ZcatOutput(byte[] file)
    {
        string path = Path.Combine(Path.GetTempPath(), $"slimcap-zcat-{Guid.NewGuid():N}.gz");
        File.WriteAllBytes(path, file);
        try
        {
            var start = new ProcessStartInfo("gzip", ["-dc", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process? process = Process.Start(start);
            if (process is null) return null;
            var output = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            return process.ExitCode == 0 ? output.ToArray() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
