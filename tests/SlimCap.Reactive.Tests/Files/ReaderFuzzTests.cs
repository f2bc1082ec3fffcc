using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

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

    /// <summary>What was done to the gzip form of a case: nothing, or one kind of damage at the end or inside it.</summary>
    private enum GzipDamage { None, Members, Truncate, Flip, Trailing, BadCrc }

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

        string fifoDirectory = Directory.CreateTempSubdirectory("slimcap-fuzz-").FullName;
        try
        {
            var outcomes = await Task.Run(() => Run(seeds, fifoDirectory), TestContext.Current.CancellationToken);
            TestContext.Current.TestOutputHelper?.WriteLine($"{Cases} cases: {outcomes.Clean} clean ends, {outcomes.Damaged} CaptureFileExceptions, {outcomes.Records} records, {outcomes.Gzip} gzip, {outcomes.Fifo} through a FIFO");
            Assert.Equal(Cases, outcomes.Clean + outcomes.Damaged);
            // The mutations must reach both outcomes, or the test checks nothing.
            Assert.True(outcomes.Clean > Cases / 20, $"only {outcomes.Clean} clean ends");
            Assert.True(outcomes.Damaged > Cases / 20, $"only {outcomes.Damaged} errors");
            Assert.True(outcomes.Records > 0);
            Assert.True(outcomes.Gzip > Cases / 5);
            Assert.True(outcomes.Fifo >= 20);
        }
        finally
        {
            Directory.Delete(fifoDirectory, recursive: true);
        }
    }

    private static (int Clean, int Damaged, long Records, int Gzip, int Fifo) Run(byte[][] seeds, string fifoDirectory)
    {
        byte[][] pcapng = seeds.Where(s => s.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(s) == 0x0A0D0D0A).ToArray();
        var random = new Random(20261126);
        int clean = 0, damaged = 0, gzipCases = 0, fifoCases = 0;
        long records = 0;
        for (int i = 0; i < Cases; i++)
        {
            // Half the cases start from pcapng, whose block structure has the most to get wrong.
            byte[][] pool = random.Next(2) == 0 ? pcapng : seeds;
            byte[] original = pool[random.Next(pool.Length)];
            byte[] plain = Mutate(original, random);
            byte[] bytes = plain;
            bool gzip = random.Next(4) == 0;
            GzipDamage gzipDamage = GzipDamage.None;
            if (gzip)
            {
                gzipCases++;
                gzipDamage = (GzipDamage)random.Next(6);
                bytes = Gzip(plain, gzipDamage, random);
            }
            // Through a real FIFO now and then (a writer thread trickles the bytes in), else a trickling pipe,
            // a chunked stream or a memory stream.
            int transport = i % 400 == 0 ? 3 : random.Next(3);
            if (transport == 3) fifoCases++;
            (int count, string? error) = ReadCase(i, bytes, transport, fifoDirectory, random.Next(), out long allocated);
            if (error is null) clean++;
            else damaged++;
            records += count;
            string what = $"case {i} (gzip {gzipDamage}{(gzip ? "" : " (plain)")}, transport {transport}, {count} records, {error ?? "clean"})";
            // A file of n bytes holds fewer than n / 12 records: more would mean the reader spins.
            Assert.True(count <= plain.Length / 12 + 1, $"{what}: {count} records from {plain.Length} bytes");
            // Everything one case allocates stays under what the options promise, whatever the bytes claim.
            Assert.True(allocated <= SmallBlocks.MaxMemory, $"{what}: allocated {allocated} bytes, more than MaxMemory {SmallBlocks.MaxMemory}");
            if (gzipDamage is GzipDamage.Truncate or GzipDamage.Trailing or GzipDamage.BadCrc)
                Assert.True(error is not null, $"{what}: damage to the gzip framing read as a clean end");
            if (gzip && gzipDamage is GzipDamage.None or GzipDamage.Members)
            {
                // Intact gzip (one member or several) reads exactly as the same bytes uncompressed.
                (int plainCount, string? plainError) = ReadCase(i, plain, 0, fifoDirectory, 0, out _);
                Assert.True(plainCount == count && plainError == error, $"{what}: uncompressed the same bytes gave {plainCount} records, {plainError ?? "clean"}");
            }
        }
        return (clean, damaged, records, gzipCases, fifoCases);
    }

    /// <summary>Reads one case to its end; returns its records and the CaptureFileException's message, if any.</summary>
    private static (int Count, string? Error) ReadCase(int i, byte[] bytes, int transport, string fifoDirectory, int seed, out long allocated)
    {
        Thread? writer = null;
        Pipe? pipe = null;
        string? fifo = null;
        if (transport == 1)
        {
            // A pipe fed by another thread in small, uneven writes: reads find nothing buffered yet, partial blocks go out.
            pipe = new Pipe();
            var feed = new Random(seed);
            writer = new Thread(() =>
            {
                for (int at = 0; at < bytes.Length;)
                {
                    int n = Math.Min(bytes.Length - at, 1 + feed.Next(300));
                    pipe.Writer.WriteAsync(bytes.AsMemory(at, n)).AsTask().GetAwaiter().GetResult();
                    at += n;
                    if (feed.Next(8) == 0) Thread.Yield();
                }
                pipe.Writer.Complete();
            }) { IsBackground = true };
            writer.Start();
        }
        else if (transport == 3)
        {
            fifo = Path.Combine(fifoDirectory, $"case-{i}");
            using (Process mkfifo = Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
            writer = new Thread(() =>
            {
                try
                {
                    using var stream = new FileStream(fifo, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1);
                    for (int at = 0; at < bytes.Length; at += 512)
                    {
                        stream.Write(bytes, at, Math.Min(512, bytes.Length - at));
                        stream.Flush();
                    }
                }
                catch (IOException)
                {
                    // The reader stopped at the damage and closed its end: EPIPE.
                }
            }) { IsBackground = true };
            writer.Start();
        }

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long startTicks = Stopwatch.GetTimestamp();
        int count = 0;
        string? error = null;
        try
        {
            using CaptureFileSource source = transport switch
            {
                1 => CaptureFileSource.Open(pipe!.Reader.AsStream(), $"fuzz-{i}", options: SmallBlocks),
                2 => CaptureFileSource.Open(new ChunkedStream(bytes, i, 1 + seed % 700), $"fuzz-{i}", options: SmallBlocks),
                3 => CaptureFileSource.Open(fifo!, SmallBlocks),
                _ => CaptureFileSource.Open(new MemoryStream(bytes, writable: false), $"fuzz-{i}", options: SmallBlocks),
            };
            while (source.NextPacketRef(out PacketRef p) == CaptureStatus.Packet)
            {
                count++;
                // Touch every byte, and check that no record claims more bytes than the file has (inflated: 1032x at most).
                Assert.True(p.Data.Length <= bytes.Length * 1100L, $"case {i}: record of {p.Data.Length} bytes from a {bytes.Length}-byte file");
            }
            Assert.Equal(CaptureStatus.Stopped, source.NextPacketRef(out _));
        }
        catch (CaptureFileException e)
        {
            Assert.False(string.IsNullOrEmpty(e.Problem));
            error = $"offset {e.Offset}: {e.Problem}";
        }
        catch (Exception e) when (e is not Xunit.Sdk.IAssertionException)
        {
            // Assertion failures above pass through as themselves; anything else is a bug of the reader.
            Assert.Fail($"case {i} (seeded, transport {transport}): {e.GetType().Name} is not a CaptureFileException: {e}");
        }
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.True(Stopwatch.GetElapsedTime(startTicks) < TimeSpan.FromSeconds(5), $"case {i} took too long");
        if (writer is not null) Assert.True(writer.Join(TimeSpan.FromSeconds(5)), $"case {i}: the writer did not finish");
        if (fifo is not null) File.Delete(fifo);
        return (count, error);
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

    private static byte[] Gzip(byte[] data, GzipDamage damage, Random random)
    {
        byte[] compressed;
        if (damage == GzipDamage.Members)
        {
            // Concatenated members, split anywhere: zcat reads them as one stream, and so must the reader.
            int split = random.Next(data.Length + 1);
            compressed = [.. SmallCaptureFiles.Gzip(data[..split]), .. SmallCaptureFiles.Gzip(data[split..], flushEvery: 1 + random.Next(200))];
        }
        else compressed = SmallCaptureFiles.Gzip(data, flushEvery: random.Next(2) == 0 ? 0 : 1 + random.Next(300));
        // .NET writes nothing at all for empty input: an empty file, which is an error whatever is done to it.
        if (compressed.Length < 20) return damage == GzipDamage.Trailing ? [.. compressed, 0x47] : compressed;
        switch (damage)
        {
            case GzipDamage.Truncate: // anywhere, the trailer included
                return compressed[..random.Next(2, compressed.Length)];
            case GzipDamage.Flip: // anywhere after the fixed header
                compressed[10 + random.Next(compressed.Length - 10)] ^= (byte)(1 << random.Next(8));
                return compressed;
            case GzipDamage.Trailing:
                byte[] trailing = new byte[1 + random.Next(16)];
                random.NextBytes(trailing);
                return [.. compressed, .. trailing];
            case GzipDamage.BadCrc:
                compressed[compressed.Length - 8 + random.Next(4)] ^= (byte)(1 << random.Next(8));
                return compressed;
            default:
                return compressed;
        }
    }
}
