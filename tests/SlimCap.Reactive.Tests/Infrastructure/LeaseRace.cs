using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// One reader thread reads a leased block (spans, copies, its bytes, a writer) while the test thread disposes the block,
/// the source or both, at a random moment. Frames carry sequence numbers (<see cref="Frames.Udp"/> with
/// <see cref="SizeOf"/>), so every copy is checked against the frame it claims to be: the only outcomes allowed are
/// correct bytes and <see cref="ObjectDisposedException"/>. An access violation ends the test host.
/// </summary>
internal static class LeaseRace
{
    /// <summary>The size of test frame <paramref name="sequence"/>: varied, so a copy torn between two frames shows.</summary>
    public static int SizeOf(long sequence) => 64 + (int)(sequence % 200);

    public static byte[] FrameOf(long sequence) => Frames.Udp(sequence, SizeOf(sequence));

    /// <summary>What the races found; empty lists mean every read was correct or refused.</summary>
    public sealed class Outcome
    {
        public readonly List<string> Failures = [];
        public long CorrectCopies, RefusedReads, SpanReads;

        public void Fail(string what)
        {
            lock (Failures) if (Failures.Count < 20) Failures.Add(what);
        }
    }

    /// <summary>
    /// Runs one race. <paramref name="produce"/> keeps the source busy meanwhile (refilling released blocks), and
    /// <paramref name="iteration"/> picks the read style and what is disposed in which order.
    /// </summary>
    public static void Run(CaptureSource source, PacketBlock block, int iteration, Random random, Outcome outcome)
    {
        int style = iteration % 5;
        int order = (iteration / 5) % 4;
        using var started = new ManualResetEventSlim();
        var reader = new Thread(() => Read(block, style, started, outcome)) { IsBackground = true, Name = "lease race reader" };
        reader.Start();
        started.Wait();
        Thread.SpinWait(random.Next(0, 20_000));
        switch (order)
        {
            case 0:
                block.Dispose();
                // The source goes on: released storage is reused while the reader may still be copying from it.
                for (int i = 0; i < 3; i++)
                {
                    if (source.NextBlock(out PacketBlock? next) != CaptureStatus.Packet) break;
                    next?.Dispose();
                }
                source.Dispose();
                break;
            case 1:
                source.Dispose();
                break;
            case 2:
                block.Dispose();
                source.Dispose();
                break;
            default:
                source.Dispose();
                block.Dispose();
                break;
        }
        if (!reader.Join(TimeSpan.FromSeconds(10))) outcome.Fail($"iteration {iteration}: the reader did not end within 10 s of the dispose");
        block.Dispose();
    }

    private static void Read(PacketBlock block, int style, ManualResetEventSlim started, Outcome outcome)
    {
        var written = new MemoryStream();
        CaptureFileWriter? writer = style == 3 ? CaptureFileWriter.Create(written, CaptureFileFormat.Pcap, leaveOpen: true) : null;
        try
        {
            started.Set();
            for (int pass = 0; pass < 1_000_000; pass++)
            {
                switch (style)
                {
                    case 0: // spans: unchecked by nature, but never a fault
                        foreach (PacketRef p in block)
                        {
                            ReadOnlySpan<byte> data = p.Data;
                            if (data.Length > 0) Interlocked.Add(ref outcome.SpanReads, data[^1] >= 0 ? 1 : 0);
                            _ = p.IpLayer.Length;
                        }
                        break;
                    case 1: // copies must be exact
                        foreach (PacketRef p in block)
                        {
                            using DetachedPacket copy = p.Detach();
                            Check(copy.Data, outcome);
                        }
                        break;
                    case 2: // the block's bytes, pinned as a bulk consumer would
                    {
                        ReadOnlyMemory<byte> bytes = block.Bytes;
                        using System.Buffers.MemoryHandle pin = bytes.Pin();
                        ReadOnlySpan<byte> span = bytes.Span;
                        long sum = 0;
                        for (int i = 0; i < span.Length; i += 512) sum += span[i];
                        Interlocked.Add(ref outcome.SpanReads, sum >= 0 ? 1 : 0);
                        foreach (PacketRef p in block) _ = p.CapturedLength; // and end the loop once the lease is gone
                        break;
                    }
                    case 3: // a writer copies each record; what it wrote is read back below
                        writer!.Write(block);
                        break;
                    default: // the buffer read style's copy
                    {
                        Span<byte> buffer = stackalloc byte[512];
                        foreach (PacketRef p in block)
                        {
                            int n = Math.Min(p.Data.Length, buffer.Length);
                            p.Data[..n].CopyTo(buffer);
                            _ = n;
                        }
                        break;
                    }
                }
            }
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref outcome.RefusedReads);
        }
        catch (Exception e)
        {
            outcome.Fail($"style {style}: {e.GetType().Name}: {e.Message}");
        }
        if (writer is null) return;
        try
        {
            writer.Dispose();
            CheckWritten(written, outcome);
        }
        catch (Exception e)
        {
            outcome.Fail($"the writer's output: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Reads back what a writer wrote before the lease ended: every record must be a whole, correct frame.</summary>
    private static void CheckWritten(MemoryStream written, Outcome outcome)
    {
        written.Position = 0;
        using CaptureFileSource file = CaptureFileSource.Open(written, "written", leaveOpen: true);
        while (file.NextPacketRef(out PacketRef p) == CaptureStatus.Packet) Check(p.Data, outcome);
    }

    private static void Check(ReadOnlySpan<byte> copy, Outcome outcome)
    {
        long sequence = Frames.SequenceOf(copy);
        if (sequence < 0 || !copy.SequenceEqual(FrameOf(sequence)))
            outcome.Fail($"a copy of {copy.Length} bytes is not the frame it claims to be (sequence {sequence})");
        else Interlocked.Increment(ref outcome.CorrectCopies);
    }
}
