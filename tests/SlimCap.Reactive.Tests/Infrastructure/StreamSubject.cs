using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// One kind of source for the stream tests that must hold over every kind: a replaying ring image, a capture file,
/// a live TPACKET_V3 ring and a live socket (both in test namespaces, with bounded background traffic). A test
/// takes a source per run with <see cref="Acquire"/>: the live and image kinds hand out one source again and again
/// (an endless stream), the file kind a fresh one each time (a file ends); <see cref="Open"/> opens a new source of
/// the kind for factory streams, which own and dispose it.
/// </summary>
internal sealed class StreamSubject : IDisposable
{
    internal const string RingImage = "ring image", File = "file", Ring = "ring", Socket = "socket";

    /// <summary>Records of the generated capture file: a break after 5,000 of them hung on main.</summary>
    internal const int FileRecords = 20_000;

    private static readonly Lazy<string> s_filePath = new(WriteFile);

    private readonly TestNetwork? _net;
    private readonly CancellationTokenSource _traffic = new();
    private readonly Thread? _sender;
    private readonly CaptureSource? _shared;
    private CaptureSource? _fresh;

    private StreamSubject(string kind)
    {
        Kind = kind;
        if (kind is Ring or Socket)
        {
            Privileges.RequireNetworkNamespaces();
            _net = new TestNetwork();
            try
            {
                _shared = Open();
                // Bounded traffic: enough frames and time for every run, stopped when the test ends.
                _sender = _net.StartTraffic(_traffic.Token, i => Frames.Udp(i, 64 + (int)(i % 64)), maxFrames: 50_000_000, maxSeconds: 180);
                // Wait for the first frame: the sender's socket is open from then on, so descriptor counts taken by a
                // test start after it.
                PacketBlock? first;
                while (_shared.NextBlock(out first) != CaptureStatus.Packet) { }
                first!.Dispose();
            }
            catch
            {
                _shared?.Dispose();
                _net.Dispose();
                throw;
            }
        }
        else if (kind == RingImage)
        {
            _shared = ReplayingImage();
        }
    }

    internal string Kind { get; }

    /// <summary>The generated capture file the file kind reads.</summary>
    internal static string FilePath => s_filePath.Value;

    internal static StreamSubject Create(string kind) => new(kind);

    internal static readonly string[] Kinds = [RingImage, File, Ring, Socket];

    /// <summary>The source for the next run; the previous fresh one (a file) is disposed.</summary>
    internal CaptureSource Acquire()
    {
        if (_shared is not null) return _shared;
        _fresh?.Dispose();
        _fresh = Open();
        return _fresh;
    }

    /// <summary>Opens a new source of this kind (the caller owns it).</summary>
    internal CaptureSource Open()
    {
        TestNetwork? net = _net;
        return Kind switch
        {
            RingImage => ReplayingImage(),
            File => CaptureFileSource.Open(s_filePath.Value),
            Ring => net!.Capture(() => new RingSource(net.CaptureInterface,
                new RingOptions { BlockSize = 64 * 1024, BlockCount = 4, BlockTimeout = TimeSpan.FromMilliseconds(2) })),
            Socket => net!.Capture(() => new SocketSource(net.CaptureInterface, new SocketOptions { CaptureLength = CaptureLength.Fixed(2048) })),
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
        };
    }

    /// <summary>Blocks of <paramref name="source"/> leased right now.</summary>
    internal static int LeasedBlocks(CaptureSource source) => source switch
    {
        RingImageSource image => image.LeasedBlocks,
        LiveCaptureSource live => live.LeasedBlocks,
        CaptureFileSource file => file.LeasedBlocks,
        _ => throw new ArgumentOutOfRangeException(nameof(source), source.GetType().Name, null),
    };

    /// <summary>How many packets a run may read before it leaves, so that runs leave at many different places.</summary>
    internal int LeaveAfter(int run) => Kind switch
    {
        File => run % 4 == 0 ? 5000 : 1 + run * 7919 % 5000,
        RingImage => 1 + run * 7919 % 3000,
        _ => 1 + run % 40, // live: a few blocks at most, so the runs do not wait long for traffic
    };

    /// <summary>A ring image that replays its full blocks for as long as any test reads it.</summary>
    private static RingImageSource ReplayingImage()
    {
        var image = new RingImageSource(blockSize: 16 * 1024, blockCount: 4, replayLimit: long.MaxValue / 2);
        Span<byte> frame = stackalloc byte[TestTraffic.FrameLength];
        for (long i = 0; ; i++)
        {
            int length = TestTraffic.Write(i, frame);
            if (!image.TryAddPacket(frame[..length], TestTraffic.TypeOf(i), length, TestTraffic.TimestampOf(i))) break; // every block full
        }
        image.RetireBlock();
        return image;
    }

    private static string WriteFile()
    {
        var builder = new CaptureFileBuilder(bigEndian: false).PcapHeader(0xa1b2c3d4, 2, 4, 65535, 1);
        var frame = new byte[TestTraffic.FrameLength];
        for (int i = 0; i < FileRecords; i++)
        {
            int length = TestTraffic.Write(i, frame);
            builder.PcapRecord((uint)(i / 1000), (uint)(i % 1000), (uint)length, (uint)length, frame.AsSpan(0, length));
        }
        string path = Path.Combine(Path.GetTempPath(), $"slimcap-streams-{Environment.ProcessId}.pcap");
        System.IO.File.WriteAllBytes(path, builder.ToArray());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.File.Delete(path);
        return path;
    }

    public void Dispose()
    {
        _traffic.Cancel();
        _sender?.Join();
        _fresh?.Dispose();
        _shared?.Dispose();
        _net?.Dispose();
        _traffic.Dispose();
    }
}
