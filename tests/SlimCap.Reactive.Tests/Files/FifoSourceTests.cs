using System.Diagnostics;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// A capture file on a real FIFO whose writer (this test) sent the pcap header, or part of a gzip file, and then
/// nothing, as <c>tcpdump -w -</c> on a quiet link: Unblock wakes the reader and Dispose stops it within 100 ms.
/// </summary>
public sealed class FifoSourceTests : IDisposable
{
    private static readonly TimeSpan Prompt = TimeSpan.FromMilliseconds(100);
    private readonly string _directory = Directory.CreateTempSubdirectory("slimcap-fifo-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A FIFO with a writer connected once the source opens it; the writer is the test's to feed and close.</summary>
    internal static (string Path, Task<FileStream> Writer) MakeFifo(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        using (Process mkfifo = Process.Start("mkfifo", [path])) mkfifo.WaitForExit();
        Assert.True(File.Exists(path), "mkfifo failed");
        // Opening a FIFO for writing waits for a reader: the source's open is that reader.
        Task<FileStream> writer = Task.Factory.StartNew(() => new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1),
            TaskCreationOptions.LongRunning);
        return (path, writer);
    }

    private static async Task<TimeSpan> Elapsed(Task<CaptureStatus> read, CaptureStatus expected, Action wake)
    {
        await Task.Delay(150, TestContext.Current.CancellationToken);
        Assert.False(read.IsCompleted, "the read returned although the writer sent nothing");
        long start = Stopwatch.GetTimestamp();
        wake();
        Task done = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        Assert.Same(read, done);
        Assert.Equal(expected, await read);
        return elapsed;
    }

    private static Task<CaptureStatus> ReadOnThread(CaptureFileSource source) => Task.Factory.StartNew(() =>
    {
        CaptureStatus status = source.NextBlock(out PacketBlock? block);
        block?.Dispose();
        return status;
    }, TaskCreationOptions.LongRunning);

    [Theory(Timeout = 30_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unblock_and_Dispose_reach_a_reader_whose_writer_went_quiet(bool gzip)
    {
        (string path, Task<FileStream> writerTask) = MakeFifo(_directory, gzip ? "quiet.pcap.gz" : "quiet.pcap");
        byte[] pcap = SmallCaptureFiles.Pcap(3);
        byte[] file = pcap;
        // The header and one record (for gzip: compressed up to a flush point after them), then silence.
        int firstPart = 24 + 76;
        if (gzip)
        {
            var compressed = new MemoryStream();
            using (var z = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                z.Write(pcap, 0, firstPart);
                z.Flush();
                firstPart = (int)compressed.Length;
                z.Write(pcap, 24 + 76, pcap.Length - 24 - 76);
            }
            file = compressed.ToArray();
        }
        Task<CaptureFileSource> opening = Task.Factory.StartNew(() => CaptureFileSource.Open(path), TaskCreationOptions.LongRunning);
        await using FileStream writer = await writerTask;
        writer.Write(file, 0, firstPart);
        writer.Flush();
        using CaptureFileSource source = await opening;
        Assert.Equal(gzip, source.IsCompressed);

        Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? first));
        first!.Dispose();
        TimeSpan unblocked = await Elapsed(ReadOnThread(source), CaptureStatus.Unblocked, source.Unblock);
        Assert.True(unblocked < Prompt, $"Unblock took {unblocked.TotalMilliseconds:F0} ms");

        // The reader goes on after a wake: the rest arrives and is read.
        Task<CaptureStatus> reading = ReadOnThread(source);
        writer.Write(file, firstPart, file.Length - firstPart);
        writer.Flush();
        Assert.Equal(CaptureStatus.Packet, await reading);

        TimeSpan stopped = await Elapsed(ReadOnThread(source), CaptureStatus.Stopped, source.Dispose);
        Assert.True(stopped < Prompt, $"Dispose took {stopped.TotalMilliseconds:F0} ms");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_FIFO_reads_to_its_end_and_a_trickling_writer_is_read_record_by_record()
    {
        (string path, Task<FileStream> writerTask) = MakeFifo(_directory, "trickle.pcap");
        byte[] file = SmallCaptureFiles.Pcap(20);
        Task<List<FileRecordCopy>> reading = Task.Factory.StartNew(() => FileRecords.Read(() => CaptureFileSource.Open(path)).Records,
            TaskCreationOptions.LongRunning);
        await using (FileStream writer = await writerTask)
        {
            // Byte runs that split headers and records anywhere.
            var random = new Random(5);
            for (int at = 0; at < file.Length;)
            {
                int n = Math.Min(file.Length - at, 1 + random.Next(40));
                writer.Write(file, at, n);
                writer.Flush();
                at += n;
                if (random.Next(4) == 0) await Task.Delay(1, TestContext.Current.CancellationToken);
            }
        }
        List<FileRecordCopy> records = await reading;
        Assert.Equal(20, records.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i * 1_000_000_000), records.Select(r => r.Ns));
    }

    [Fact]
    public void A_missing_path_is_a_FileNotFoundException_and_a_regular_file_keeps_its_fast_path()
    {
        Assert.Throws<FileNotFoundException>(() => CaptureFileSource.Open(Path.Combine(_directory, "absent.pcap")));
        string path = Path.Combine(_directory, "regular.pcap");
        File.WriteAllBytes(path, SmallCaptureFiles.Pcap(5));
        using CaptureFileSource source = CaptureFileSource.Open(path);
        Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? block));
        Assert.Equal(5, block!.PacketCount);
        block.Dispose();
    }
}
