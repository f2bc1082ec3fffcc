using SlimCap.Cli.Infrastructure;
using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Capture;

/// <summary>Opens the ring, socket or fan-out group that <see cref="LiveCaptureSettings"/> describe.</summary>
internal static class LiveSourceFactory
{
    public static LiveCapture Open(LiveCaptureSettings settings)
    {
        LinkInfo link = Link(settings.Interface);
        BpfProgram? filter = FilterExpression.Compile(settings.Filter, link.LinkType, settings.SnapLength, kernel: true);
        CaptureLength length = CaptureLength.Fixed(settings.SnapLength);
        if (settings.UseSocket)
        {
            if (settings.Fanout is not null) throw new UsageException("--fanout", "joins rings into a PACKET_FANOUT group, and --socket has no ring; drop one of them.");
            if (settings.BlockSize is not null || settings.BlockTimeout is not null)
                throw new UsageException("--socket", "--block-size and --timeout shape the ring, which --socket does not use; drop them or drop --socket.");
            // Without a ring, -B is what tcpdump's -B is: the kernel's buffer for the socket (SO_RCVBUF).
            return new LiveCapture(new SocketSource(link, new SocketOptions
            {
                CaptureLength = length,
                Promiscuous = settings.Promiscuous,
                BpfFilter = filter,
                ReceiveBufferSize = settings.RingBytes is long bytes ? Narrow("-B", bytes) : 0,
            }));
        }
        int blockSize = settings.BlockSize is long b ? Narrow("--block-size", b) : RingOptions.DefaultBlockSize;
        var options = new RingOptions
        {
            CaptureLength = length,
            Promiscuous = settings.Promiscuous,
            BpfFilter = filter,
            BlockSize = blockSize,
            BlockCount = settings.RingBytes is long ring ? BlockCount(ring, blockSize) : RingOptions.DefaultBlockCount,
            BlockTimeout = settings.BlockTimeout ?? new RingOptions().BlockTimeout,
        };
        if (settings.Fanout is int members)
        {
            if (members < 1) throw new UsageException("--fanout", $"{members} members: a group has at least 1.");
            // Flow hash with defragmentation: both directions of a flow, and every fragment of a datagram, in one member.
            return new LiveCapture(new FanoutGroupSource(link.Name, members, options with { Fanout = new FanoutGroupOptions { Mode = FanoutMode.Hash, Defrag = true } }));
        }
        return new LiveCapture(new RingSource(link, options));
    }

    /// <summary>The interface, or a usage error for a name that cannot be one (the library then names the interfaces that exist).</summary>
    public static LinkInfo Link(string name)
    {
        try
        {
            return NetworkLinks.Get(name);
        }
        catch (Exception e) when (e is InvalidInterfaceNameException || (e is ArgumentException && e is not InvalidCaptureOptionException))
        {
            throw new UsageException("-i", $"'{name}' is not a valid network interface name (1 to 15 bytes, no '/', ':' or spaces); 'slimcap list' shows the interfaces.");
        }
    }

    private static int BlockCount(long ringBytes, int blockSize)
    {
        long count = ringBytes / blockSize;
        if (count < 1)
            throw new UsageException("-B", $"a ring of {ringBytes} bytes holds no block of {blockSize} bytes; make -B larger or --block-size smaller.");
        return Narrow("-B", count);
    }

    private static int Narrow(string option, long value) =>
        value <= int.MaxValue ? (int)value : throw new UsageException(option, $"{value} is too large; give at most {int.MaxValue}.");
}
