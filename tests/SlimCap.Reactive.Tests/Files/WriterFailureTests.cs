using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// Writers that must not report success they did not have: a stream that fails (as a closed pipe does) gives a
/// typed error and a <see cref="CaptureFileWriter.RecordsWritten"/> of only what went through; concurrent writers
/// on one writer take turns and leave a valid file.
/// </summary>
public class WriterFailureTests
{
    /// <summary>Takes whole writes until <paramref name="limit"/> bytes, then fails every write as EPIPE does.</summary>
    private sealed class BrokenPipeStream(int limit) : Stream
    {
        public MemoryStream Taken { get; } = new();

        public int Writes { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Taken.Length + buffer.Length > limit) throw new IOException("Broken pipe", 32);
            Taken.Write(buffer);
            Writes++;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData(CaptureFileFormat.Pcap)]
    [InlineData(CaptureFileFormat.PcapNg)]
    public void A_failing_stream_is_a_typed_error_and_RecordsWritten_counts_only_what_went_through(CaptureFileFormat format)
    {
        var stream = new BrokenPipeStream(40_000);
        var writer = CaptureFileWriter.Create(stream, format, "broken", options: new CaptureFileWriterOptions { FlushThreshold = 4096 });
        CaptureFileWriteException? failure = null;
        int given = 0;
        for (int i = 0; i < 200 && failure is null; i++)
        {
            using PacketBlock block = TestBlocks.Simple(10, firstNs: 1_000_000_000L * (i + 1));
            try
            {
                writer.Write(block);
                given += 10;
            }
            catch (CaptureFileWriteException e)
            {
                failure = e;
            }
        }
        Assert.NotNull(failure);
        Assert.IsType<IOException>(failure.InnerException);
        Assert.Contains("Broken pipe", failure.Message);
        Assert.Equal(stream.Taken.Length, failure.Offset);
        // What the stream took is a file of exactly RecordsWritten whole records (then a cut).
        (List<FileRecordCopy> records, _) = FileRecords.Read(stream.Taken.ToArray());
        Assert.Equal(records.Count, writer.RecordsWritten);
        Assert.Equal(records.Count, failure.RecordsWritten);
        Assert.True(writer.RecordsWritten < given + 10);
        Assert.True(writer.RecordsWritten > 0);
        // Failed for good: the next write says so again, and completing writes nothing more.
        using (PacketBlock more = TestBlocks.Simple(1)) Assert.Throws<CaptureFileWriteException>(() => writer.Write(more));
        int writes = stream.Writes;
        writer.Dispose();
        Assert.Equal(writes, stream.Writes);
        Assert.Equal(records.Count, writer.RecordsWritten);
    }

    [Fact]
    public void A_stream_failing_at_the_last_flush_fails_Complete()
    {
        var stream = new BrokenPipeStream(100);
        var writer = CaptureFileWriter.Create(stream, CaptureFileFormat.Pcap, "broken-at-end");
        using (PacketBlock block = TestBlocks.Simple(5)) writer.Write(block);
        Assert.Equal(0, writer.RecordsWritten); // buffered, not yet accepted
        var e = Assert.Throws<CaptureFileWriteException>(() => writer.Complete());
        Assert.Equal(0, e.RecordsWritten);
        Assert.Equal(0, writer.RecordsWritten);
        writer.Complete(); // idempotent, quiet
    }

    [Theory]
    [InlineData(CaptureFileFormat.Pcap)]
    [InlineData(CaptureFileFormat.PcapNg)]
    public async Task Concurrent_writers_take_turns_and_the_file_stays_valid(CaptureFileFormat format)
    {
        var output = new MemoryStream();
        const int Blocks = 300, PerBlock = 10;
        using (CaptureFileWriter writer = CaptureFileWriter.Create(output, format, "concurrent", leaveOpen: true, new CaptureFileWriterOptions { FlushThreshold = 2048 }))
        {
            using var start = new Barrier(2);
            Task Writer(int id) => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < Blocks; i++)
                {
                    // Each block's records carry its writer and block in their timestamps.
                    using PacketBlock block = TestBlocks.Simple(PerBlock, firstNs: (id * 1_000_000L + i) * 1000);
                    writer.Write(block);
                    if (i % 3 == 0)
                    {
                        foreach (PacketRef p in block)
                        {
                            writer.Write(p);
                            break;
                        }
                    }
                }
            }, TaskCreationOptions.LongRunning);
            await Task.WhenAll(Writer(1), Writer(2));
            writer.Complete();
            Assert.Equal(2 * Blocks * PerBlock + 2 * ((Blocks + 2) / 3), writer.RecordsWritten);
        }
        (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(output.ToArray());
        Assert.Null(error);
        Assert.Equal(2 * Blocks * PerBlock + 2 * ((Blocks + 2) / 3), records.Count);
        // A block is written whole: its records are consecutive in the file.
        for (int i = 0; i < records.Count;)
        {
            long first = records[i].Ns;
            int run = 1;
            while (i + run < records.Count && records[i + run].Ns == first + run) run++;
            Assert.True(run == PerBlock || run == 1, $"a run of {run} records at {i}");
            i += run;
        }
    }
}
