using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Benchmarks;

/// <summary>
/// Per-record cost of <see cref="CaptureFileSource"/> over a pcap file held in memory (a MemoryStream over
/// <see cref="Records"/> 64-byte frames like the generator's, 80 MB), through each read surface. Each
/// invocation opens the file and reads it to the end; the C baseline is libpcap over the same bytes
/// (perf/baseline/pcapread.c with MEM=1, run by perf/micro.sh on a file written here).
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
public class FileBenchmarks
{
    public const int Records = 1_000_000;
    private static readonly PacketCallback<Counter> OnPacket = static (c, payload, totalLength, type, ipLayerOffset) =>
    {
        c.Packets++;
        c.Bytes += payload.Length;
        c.Touch += payload[0];
    };

    private readonly Counter _counter = new();
    private byte[] _pcap = null!;

    /// <summary>The file's bytes, also written to PERF_PCAP_OUT when set (for the C baseline).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pcap = Pcap(Records);
        string? path = Environment.GetEnvironmentVariable("PERF_PCAP_OUT");
        if (!string.IsNullOrEmpty(path)) File.WriteAllBytes(path, _pcap);
    }

    private CaptureFileSource Open() => CaptureFileSource.Open(new MemoryStream(_pcap, writable: false), "memory");

    [Benchmark(Baseline = true, OperationsPerInvoke = Records)]
    public long FileCallback()
    {
        using CaptureFileSource source = Open();
        Counter c = _counter;
        c.Reset();
        while (source.NextPacket(c, OnPacket) != CaptureStatus.Stopped) { }
        return Check(c.Packets) + c.Bytes + c.Touch;
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long FileNextBlockForeach()
    {
        using CaptureFileSource source = Open();
        long n = 0, bytes = 0, touch = 0;
        while (source.NextBlock(out PacketBlock? block) != CaptureStatus.Stopped)
        {
            if (block is null) continue;
            using (block)
            {
                foreach (PacketRef p in block)
                {
                    ReadOnlySpan<byte> data = p.Data;
                    n++;
                    bytes += data.Length;
                    touch += data[0];
                }
            }
        }
        return Check(n) + bytes + touch;
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public long FileObservableBlocks()
    {
        using CaptureFileSource source = Open();
        using var done = new ManualResetEventSlim();
        long n = 0, bytes = 0, touch = 0;
        var observer = System.Reactive.Observer.Create<PacketBlock>(block =>
        {
            foreach (PacketRef p in block)
            {
                ReadOnlySpan<byte> data = p.Data;
                n++;
                bytes += data.Length;
                touch += data[0];
            }
            block.Dispose();
        }, _ => done.Set(), done.Set);
        using (source.ToObservable().Subscribe(observer)) done.Wait();
        return Check(n) + bytes + touch;
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public async Task<long> FileAsyncEnumerable()
    {
        using CaptureFileSource source = Open();
        long n = 0, bytes = 0, touch = 0;
        await foreach (PacketRef p in source.ReadAllAsync())
        {
            ReadOnlySpan<byte> data = p.Data;
            n++;
            bytes += data.Length;
            touch += data[0];
        }
        return Check(n) + bytes + touch;
    }

    private static long Check(long n) =>
        n == Records ? n : throw new InvalidOperationException($"read {n} records, expected {Records}");

    /// <summary>A classic pcap file (microseconds, Ethernet, snaplen 262144) of <paramref name="records"/> 64-byte frames.</summary>
    public static byte[] Pcap(int records)
    {
        byte[] frame = Images.Frame(64);
        byte[] file = new byte[24 + records * (16 + frame.Length)];
        Span<byte> s = file;
        BinaryPrimitives.WriteUInt32LittleEndian(s, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 262144);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);
        int pos = 24;
        for (int i = 0; i < records; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s[pos..], 1_764_000_000u + (uint)(i / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(s[(pos + 4)..], (uint)(i % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(s[(pos + 8)..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(s[(pos + 12)..], (uint)frame.Length);
            frame.CopyTo(s[(pos + 16)..]);
            pos += 16 + frame.Length;
        }
        return file;
    }
}
