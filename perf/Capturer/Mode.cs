using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Perf;

namespace SlimCap.Reactive.Capturer;

/// <summary>
/// One surface of the library, measured as a consumer would use it. Every mode touches each
/// packet's captured length and first byte, as the C floor (ringcount) does: no less, no more.
/// </summary>
internal abstract class Mode
{
    public abstract string Name { get; }

    /// <summary>
    /// One <c>NextBlock</c> for the block-loop modes (per block, outside the measured per-packet loop): false to stop
    /// (the source stopped, or a stop was asked while no block came); true with a null block to try again; true with a
    /// block to walk, starting the meter at the first one.
    /// </summary>
    protected static bool TakeBlock(CaptureSource source, Meter meter, StopSignal stop, out PacketBlock? block)
    {
        CaptureStatus status = source.NextBlock(out block);
        if (status != CaptureStatus.Packet) return !(status == CaptureStatus.Stopped || stop.Requested);
        if (!meter.Started) meter.Start();
        return true;
    }

    /// <summary>Opens the live source. The ring uses the C floor's geometry: 1 MiB blocks x bufferMiB, 100 ms timeout.</summary>
    public virtual CaptureSource Open(string iface, int snapLength, int bufferMiB) =>
        new RingSource(iface, new RingOptions
        {
            BlockSize = 1 << 20,
            BlockCount = bufferMiB,
            CaptureLength = Filters.CaptureLength.Fixed(snapLength),
            BlockTimeout = TimeSpan.FromMilliseconds(100),
        });

    /// <summary>
    /// Reads until <paramref name="meter"/> counted <paramref name="want"/> packets, the source stops,
    /// or a stop is requested. Starts the meter's clocks at the first packet.
    /// </summary>
    public abstract void Run(CaptureSource source, Meter meter, long want, StopSignal stop);

    public static Mode? Create(string name) => name switch
    {
        "callback" => new CallbackMode(),
        "dispatch" => new DispatchMode(),
        "buffer" => new BufferMode(),
        "socket" => new SocketMode(),
        "blocks" => new BlocksMode(),
        "async" => new AsyncMode(),
        "async-inline" => new AsyncMode(AsyncContinuation.CaptureThread),
        "async-pool" => new AsyncMode(AsyncContinuation.ThreadPool),
        "operators" => new OperatorsMode(),
        "dataflow" => new DataflowMode(),
        "dataflow-dedicated" => new DataflowMode(dedicated: true),
        "leases" => new LeasesMode(),
        "walk" => new WalkMode(),
        "fanout" => new FanoutGroupMode(dataflow: false),
        "fanout-dataflow" => new FanoutGroupMode(dataflow: true),
        "fanout-dataflow-dedicated" => new FanoutGroupMode(dataflow: true, dedicated: true),
        _ => null,
    };

    public static readonly string[] Names = ["callback", "dispatch", "buffer", "blocks", "async", "async-inline", "async-pool", "operators", "dataflow", "dataflow-dedicated", "socket", "leases", "walk", "fanout", "fanout-dataflow", "fanout-dataflow-dedicated"];
}

/// <summary><c>NextPacket(state, callback)</c>: the zero-copy callback (slimcap's NextPacketFn).</summary>
internal class CallbackMode : Mode
{
    internal static readonly PacketCallback<Meter> OnPacket = static (meter, payload, totalLength, type, ipLayerOffset) =>
    {
        meter.Packets++;
        meter.Bytes += payload.Length;
        meter.Touch += payload[0];
    };

    public override string Name => "callback";

    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        while (!meter.Started)
        {
            CaptureStatus status = source.NextPacket(meter, OnPacket);
            if (status == CaptureStatus.Packet) meter.Start();
            else if (status == CaptureStatus.Stopped || stop.Requested) return;
        }
        while (meter.Packets < want)
        {
            CaptureStatus status = source.NextPacket(meter, OnPacket);
            if (status != CaptureStatus.Packet && (status == CaptureStatus.Stopped || stop.Requested)) break;
        }
        meter.MarkWall();
    }
}

/// <summary><c>Dispatch(state, callback)</c>: the same callback, one call per block (libpcap's pcap_dispatch).</summary>
internal sealed class DispatchMode : Mode
{
    private static readonly PacketCallback<Meter> OnPacket = CallbackMode.OnPacket;

    public override string Name => "dispatch";

    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        while (!meter.Started)
        {
            // One packet first, so the clocks start at the first packet as in every mode.
            CaptureStatus status = source.Dispatch(meter, OnPacket, out _, maxPackets: 1);
            if (status == CaptureStatus.Packet) meter.Start();
            else if (status == CaptureStatus.Stopped || stop.Requested) return;
        }
        while (meter.Packets < want)
        {
            long left = want - meter.Packets;
            CaptureStatus status = source.Dispatch(meter, OnPacket, out _, (int)Math.Min(left, int.MaxValue));
            if (status != CaptureStatus.Packet && (status == CaptureStatus.Stopped || stop.Requested)) break;
        }
        meter.MarkWall();
    }
}

/// <summary><c>NextPayload(buffer, ...)</c>: each packet copied into one reused buffer.</summary>
internal sealed class BufferMode : Mode
{
    private readonly byte[] _buffer = new byte[65536];

    public override string Name => "buffer";

    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        byte[] buffer = _buffer;
        long n = meter.Packets, bytes = meter.Bytes, touch = meter.Touch;
        while (!meter.Started)
        {
            CaptureStatus status = source.NextPayload(buffer, out int written, out _);
            if (status == CaptureStatus.Packet)
            {
                meter.Start();
                n++;
                bytes += written;
                touch += buffer[0];
            }
            else if (status == CaptureStatus.Stopped || stop.Requested)
            {
                return;
            }
        }
        while (n < want)
        {
            CaptureStatus status = source.NextPayload(buffer, out int written, out _);
            if (status == CaptureStatus.Packet)
            {
                n++;
                bytes += written;
                touch += buffer[0];
            }
            else if (status == CaptureStatus.Stopped || stop.Requested)
            {
                break;
            }
        }
        meter.Packets = n;
        meter.Bytes = bytes;
        meter.Touch = touch;
        meter.MarkWall();
    }
}

/// <summary>
/// The zero-copy callback on <see cref="SocketSource"/>: recvmmsg batches, no ring. bufferMiB becomes the
/// socket's receive buffer, the kernel-side queue that plays the ring's part, so both get the same budget
/// (the kernel default of about 200 KiB holds only a few hundred small frames, under a millisecond at 500k pps).
/// </summary>
internal sealed class SocketMode : CallbackMode
{
    public override string Name => "socket";

    public override CaptureSource Open(string iface, int snapLength, int bufferMiB) =>
        new SocketSource(iface, new SocketOptions { CaptureLength = Filters.CaptureLength.Fixed(snapLength), ReceiveBufferSize = bufferMiB << 20 });
}

/// <summary>
/// Not a surface of issue 5, a diagnostic: <c>NextBlock</c> and <c>foreach (PacketRef p in block)</c>
/// without Rx, to separate the enumerator's cost from the observable's.
/// </summary>
internal sealed class LeasesMode : Mode
{
    public override string Name => "leases";

    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        long n = meter.Packets, bytes = meter.Bytes, touch = meter.Touch;
        while (n < want)
        {
            if (!TakeBlock(source, meter, stop, out PacketBlock? block)) break;
            if (block is null) continue;
            foreach (PacketRef p in block)
            {
                ReadOnlySpan<byte> data = p.Data;
                n++;
                bytes += data.Length;
                touch += data[0];
            }
            block.Dispose();
            meter.MarkWall();
        }
        meter.Packets = n;
        meter.Bytes = bytes;
        meter.Touch = touch;
    }
}

/// <summary>
/// Not a surface, a diagnostic: <c>NextBlock</c>, then the lease's bytes (<see cref="PacketBlock.Bytes"/>)
/// walked by hand in C# (<see cref="HandWalk"/>), header by header, exactly as ringcount.c walks a block. Shows what
/// .NET itself costs over the C floor, apart from the library's per-packet enumerator. Ring blocks only.
/// </summary>
internal sealed class WalkMode : Mode
{
    public override string Name => "walk";

    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        long n = meter.Packets, bytes = meter.Bytes, touch = meter.Touch;
        while (n < want)
        {
            if (!TakeBlock(source, meter, stop, out PacketBlock? block)) break;
            if (block is null) continue;
            (long packets, long blockBytes, long blockTouch) = HandWalk.Block(block.Bytes.Span);
            n += packets;
            bytes += blockBytes;
            touch += blockTouch;
            block.Dispose();
            meter.MarkWall();
        }
        meter.Packets = n;
        meter.Bytes = bytes;
        meter.Touch = touch;
    }
}
