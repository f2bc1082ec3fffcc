using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using SlimCap.Reactive.Files;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// Seeded random damage to corpus files: whatever the bytes, a reader ends cleanly or throws
/// <see cref="CaptureFileException"/>, never another exception, never hangs, never allocates much
/// more than the file.
/// </summary>
public class ReaderFuzzTests
{
    private const int Cases = 12_000;
    private static readonly uint[] HostileValues = [0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x01000001, 0, 0xFFFFFFF0, 12, 8, 28, 0x01000000];
    private static readonly CaptureFileOptions SmallBlocks = new() { BlockSize = 16 * 1024, BlockCount = 2, ReadBufferSize = 4096 };

    [Fact(Timeout = 120_000)]
    public async Task Mutated_corpus_files_end_cleanly_or_with_CaptureFileException()
    {
        // Small files keep the run short; every format and link type is among them.
        byte[][] seeds = Directory.GetFiles(Path.Combine(Corpus.Root, "files"))
            .Concat(Directory.GetFiles(Path.Combine(Corpus.Root, "damaged")))
            .Where(f => new FileInfo(f).Length <= 16 * 1024)
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .ToArray();
        Assert.True(seeds.Length > 300);
        Assert.Contains(seeds, s => s.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(s) == 0x0A0D0D0A);

        var outcomes = await Task.Run(() => Run(seeds), TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"{Cases} cases: {outcomes.Clean} clean ends, {outcomes.Damaged} CaptureFileExceptions, {outcomes.Records} records");
        Assert.Equal(Cases, outcomes.Clean + outcomes.Damaged);
        // The mutations must reach both outcomes, or the test checks nothing.
        Assert.True(outcomes.Clean > Cases / 20, $"only {outcomes.Clean} clean ends");
        Assert.True(outcomes.Damaged > Cases / 20, $"only {outcomes.Damaged} errors");
        Assert.True(outcomes.Records > 0);
    }

    private static (int Clean, int Damaged, long Records) Run(byte[][] seeds)
    {
        byte[][] pcapng = seeds.Where(s => s.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(s) == 0x0A0D0D0A).ToArray();
        var random = new Random(20261126);
        int clean = 0, damaged = 0;
        long records = 0;
        for (int i = 0; i < Cases; i++)
        {
            // Half the cases start from pcapng, whose block structure has the most to get wrong.
            byte[][] pool = random.Next(2) == 0 ? pcapng : seeds;
            byte[] original = pool[random.Next(pool.Length)];
            byte[] bytes = Mutate(original, random);
            bool gzip = random.Next(16) == 0;
            if (gzip) bytes = Gzip(bytes, damage: random.Next(2) == 0 ? random : null);
            Stream stream = random.Next(2) == 0 ? new MemoryStream(bytes, writable: false) : new ChunkedStream(bytes, i, 1 + random.Next(700));

            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long startTicks = Stopwatch.GetTimestamp();
            int count = 0;
            string outcome = "clean";
            try
            {
                using CaptureFileSource source = CaptureFileSource.Open(stream, $"fuzz-{i}", options: SmallBlocks);
                while (source.NextPacketRef(out PacketRef p) == CaptureStatus.Packet)
                {
                    count++;
                    // Touch every byte, and check that no record claims more bytes than the file has.
                    Assert.True(p.Data.Length <= bytes.Length * (gzip ? 1100 : 1), $"case {i}: record of {p.Data.Length} bytes from a {bytes.Length}-byte file");
                }
                Assert.Equal(CaptureStatus.Stopped, source.NextPacketRef(out _));
                clean++;
            }
            catch (CaptureFileException e)
            {
                Assert.False(string.IsNullOrEmpty(e.Problem));
                outcome = e.Message;
                damaged++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} (seeded): {e.GetType().Name} is not a CaptureFileException: {e}");
            }
            records += count;
            // A file of n bytes holds fewer than n / 12 records: more would mean the reader spins.
            Assert.True(count <= bytes.Length * (gzip ? 100 : 1) / 12 + 1, $"case {i}: {count} records from {bytes.Length} bytes");
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            // Blocks (2 x 16 KiB), the pipe's buffers and a large-record block are bounded by the file's size.
            long bound = 512 * 1024 + 4L * bytes.Length * (gzip ? 64 : 1) + 1024 * 1024;
            Assert.True(allocated <= bound, $"case {i}: allocated {allocated} bytes for a {bytes.Length}-byte file (gzip {gzip}, {count} records, {stream.GetType().Name}, {outcome})");
            Assert.True(Stopwatch.GetElapsedTime(startTicks) < TimeSpan.FromSeconds(5), $"case {i} took too long");
        }
        return (clean, damaged, records);
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] b = (byte[])original.Clone();
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits && b.Length > 0; e++)
        {
            int at = random.Next(b.Length);
            switch (random.Next(7))
            {
                case 0: // flip one bit
                    b[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // random byte
                    b[at] = (byte)random.Next(256);
                    break;
                case 2: // hostile 32-bit value at a 4-byte boundary, in either byte order (lengths live there)
                    at &= ~3;
                    if (at + 4 <= b.Length)
                    {
                        uint v = HostileValues[random.Next(HostileValues.Length)];
                        if (random.Next(2) == 0) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v);
                        else BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v);
                    }
                    break;
                case 3: // cut
                    b = b[..at];
                    break;
                case 4: // zero a run
                    b.AsSpan(at, Math.Min(b.Length - at, 1 + random.Next(16))).Clear();
                    break;
                case 5: // duplicate a slice (repeats blocks and records)
                {
                    int len = Math.Min(b.Length - at, 1 + random.Next(256));
                    b = [.. b[..(at + len)], .. b[at..]];
                    break;
                }
                default: // drop a slice
                {
                    int len = Math.Min(b.Length - at, 1 + random.Next(64));
                    b = [.. b[..at], .. b[(at + len)..]];
                    break;
                }
            }
        }
        return b;
    }

    private static byte[] Gzip(byte[] data, Random? damage)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        byte[] compressed = output.ToArray();
        if (damage is not null && compressed.Length > 12)
        {
            int at = 10 + damage.Next(compressed.Length - 10);
            compressed[at] ^= (byte)(1 << damage.Next(8));
        }
        return compressed;
    }
}
