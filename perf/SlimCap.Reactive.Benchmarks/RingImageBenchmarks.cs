using BenchmarkDotNet.Attributes;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Perf;

namespace SlimCap.Reactive.Benchmarks;

/// <summary>
/// Per-packet cost of the read styles of <see cref="CaptureSource"/> over a replaying ring image
/// (no kernel, no cross-core cache misses: what the library itself costs per packet). Each
/// invocation reads <see cref="Images.Packets"/> packets; the reported time is per packet.
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
public class RingImageBenchmarks
{
    private const int N = Images.Packets;
    private static readonly PacketCallback<Counter> OnPacket = static (c, payload, totalLength, type, ipLayerOffset) =>
    {
        c.Packets++;
        c.Bytes += payload.Length;
        c.Touch += payload[0];
    };

    private readonly Counter _counter = new();
    private readonly byte[] _buffer = new byte[65536];
    private RingImageSource _source = null!;

    [GlobalSetup]
    public void Setup() => _source = Images.Replay();

    [GlobalCleanup]
    public void Cleanup() => _source.Dispose();

    /// <summary>The floor in C#: a lease's bytes walked by hand, header by header, as ringcount.c does (<see cref="HandWalk"/>).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long ManualWalkOfBlockMemory()
    {
        long n = 0, bytes = 0, touch = 0;
        while (n < N)
        {
            _source.NextBlock(out PacketBlock? block);
            using (block)
            {
                (long packets, long blockBytes, long blockTouch) = HandWalk.Block(block!.Bytes.Span);
                n += packets;
                bytes += blockBytes;
                touch += blockTouch;
            }
        }
        return n + bytes + touch;
    }

    /// <summary><c>NextBlock</c> and <c>foreach (PacketRef p in block)</c>: the block surface without Rx.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long NextBlockForeach()
    {
        long n = 0, bytes = 0, touch = 0;
        while (n < N)
        {
            _source.NextBlock(out PacketBlock? block);
            using (block)
            {
                foreach (PacketRef p in block!)
                {
                    ReadOnlySpan<byte> data = p.Data;
                    n++;
                    bytes += data.Length;
                    touch += data[0];
                }
            }
        }
        return n + bytes + touch;
    }

    /// <summary>The zero-copy callback, <c>NextPacket(state, callback)</c> (slimcap's NextPacketFn).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = N)]
    public long Callback()
    {
        Counter c = _counter;
        c.Reset();
        while (c.Packets < N) _source.NextPacket(c, OnPacket);
        return c.Bytes + c.Touch;
    }

    /// <summary><c>Dispatch(state, callback)</c>: the same callback, one call per block (libpcap's pcap_dispatch).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long Dispatch()
    {
        Counter c = _counter;
        c.Reset();
        while (c.Packets < N) _source.Dispatch(c, OnPacket, out _, N - (int)c.Packets);
        return c.Bytes + c.Touch;
    }

    /// <summary><c>NextPacketRef</c>: a zero-copy view per call.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long NextPacketRef()
    {
        long n = 0, bytes = 0, touch = 0;
        while (n < N)
        {
            if (_source.NextPacketRef(out PacketRef p) != CaptureStatus.Packet) continue;
            ReadOnlySpan<byte> data = p.Data;
            n++;
            bytes += data.Length;
            touch += data[0];
        }
        return n + bytes + touch;
    }

    /// <summary><c>NextPayloadZeroCopy</c>: the bytes as a span into the ring.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long NextPayloadZeroCopy()
    {
        long n = 0, bytes = 0, touch = 0;
        while (n < N)
        {
            if (_source.NextPayloadZeroCopy(out ReadOnlySpan<byte> data, out _) != CaptureStatus.Packet) continue;
            n++;
            bytes += data.Length;
            touch += data[0];
        }
        return n + bytes + touch;
    }

    /// <summary><c>NextPayload</c>: each packet copied into one reused buffer.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long NextPayloadBuffer()
    {
        byte[] buffer = _buffer;
        long n = 0, bytes = 0, touch = 0;
        while (n < N)
        {
            if (_source.NextPayload(buffer, out int written, out _) != CaptureStatus.Packet) continue;
            n++;
            bytes += written;
            touch += buffer[0];
        }
        return n + bytes + touch;
    }
}
