using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using SlimCap.Cli.Capture;
using SlimCap.Cli.Infrastructure;
using SlimCap.Cli.Output;
using SlimCap.Cli.Rotation;
using SlimCap.Reactive;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

namespace SlimCap.Cli.Commands;

/// <summary><c>slimcap capture -i IFACE [EXPR...]</c>: live capture to a file, rotating files, lines or JSON.</summary>
internal static class CaptureCommand
{
    private const int SelfTestPort = 33330;

    public static Command Create()
    {
        var iface = new Option<string>("--interface", "-i") { Description = "Interface to capture on ('slimcap list' shows them).", Required = true };
        var count = new Option<long>("--count", "-c") { Description = "Stop after this many packets (after the filter)." };
        var snapLength = new Option<int>("--snaplen", "-s") { Description = "Bytes kept of each packet.", DefaultValueFactory = _ => 262144 };
        var ringMiB = new Option<int?>("--buffer-size", "-B") { Description = "Ring size in MiB (default 4: four 1 MiB blocks); with --socket, the socket's receive buffer." };
        var blockSize = new Option<string?>("--block-size") { Description = "Ring block size, e.g. 1MiB or 256KiB (rounded up to whole pages)." };
        var timeout = new Option<string?>("--timeout") { Description = "How long the kernel holds a block that is not full before handing it over, e.g. 100ms (the default)." };
        var noPromiscuous = new Option<bool>("--no-promiscuous", "-p") { Description = "Do not put the interface into promiscuous mode." };
        var socket = new Option<bool>("--socket") { Description = "Use a plain AF_PACKET socket (recvmmsg batches) instead of the TPACKET_V3 ring." };
        var fanout = new Option<int?>("--fanout") { Description = "Capture with N ring members of one PACKET_FANOUT group (one per core)." };
        var write = new Option<string?>("--write", "-w") { Description = "Write packets to FILE: pcapng when it ends in .pcapng (with direction and interface), else nanosecond pcap; - for stdout." };
        var rotate = new Option<string?>(RotationPolicy.OptionName) { Description = "Rotate -w files: size=100MB,time=1h,files=10,packets=N in any combination (names FILE_00001_<UTC time>.ext)." };
        var onRotate = new Option<string?>("--on-rotate") { Description = "Run CMD with each finished file's path as its last argument (through /bin/sh)." };
        var print = new Option<bool>("--print") { Description = "Print one line per packet (the default without -w or --json)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per packet and line." };
        var duration = new Option<string?>("--duration") { Description = "Stop after this long, e.g. 30s or 1h." };
        var selfTest = new Option<bool>("--self-test-traffic") { Description = "On lo: send this process a few UDP datagrams to 127.0.0.1 and show only those (unless EXPR says otherwise), so a capture shows packets with no set-up." };
        var expression = new Argument<string[]>("EXPR") { Description = "A pcap-filter expression, as tcpdump takes it (e.g. udp port 53).", Arity = ArgumentArity.ZeroOrMore };

        var command = new Command("capture", "Capture packets from an interface (Ctrl+C or SIGTERM ends it cleanly).")
        {
            iface, count, snapLength, ringMiB, blockSize, timeout, noPromiscuous, socket, fanout, write, rotate, onRotate, print, json, duration, selfTest, expression,
        };
        command.SetAction(parse =>
        {
            string? block = parse.GetValue(blockSize), retire = parse.GetValue(timeout), period = parse.GetValue(duration);
            var live = new LiveCaptureSettings(
                parse.GetValue(iface)!,
                parse.GetValue(snapLength),
                parse.GetValue(ringMiB) is int mib ? Positive("-B", mib) * (1L << 20) : null,
                block is null ? null : Quantity.ParseSize("--block-size", block),
                retire is null ? null : Quantity.ParseDuration("--timeout", retire),
                !parse.GetValue(noPromiscuous),
                parse.GetValue(socket),
                // The self-test shows its own datagrams, not whatever else loopback carries, unless a filter is given.
                FilterExpression.Join(parse.GetValue(expression)) ?? (parse.GetValue(selfTest) ? $"udp port {SelfTestPort}" : null),
                parse.GetValue(fanout));
            var settings = new CaptureSettings(live, parse.GetValue(count), parse.GetValue(write), parse.GetValue(rotate),
                parse.GetValue(onRotate), parse.GetValue(print), parse.GetValue(json), period is null ? null : Quantity.ParseDuration("--duration", period),
                parse.GetValue(selfTest));
            return Run(settings, Console.Out, Console.Error);
        });
        return command;
    }

    public static int Run(CaptureSettings settings, TextWriter stdout, TextWriter stderr)
    {
        Validate(settings);
        using var signal = new StopSignal();
        LiveCapture source = LiveSourceFactory.Open(settings.Live);
        using (source)
        {
            var writerOptions = new CaptureFileWriterOptions { SnapLength = settings.Live.SnapLength, EmptyFileLinkType = source.LinkType };
            RotateHook? hook = settings.OnRotate is null ? null : new RotateHook(settings.OnRotate, stderr);
            IPacketSink sink = CreateSink(settings, writerOptions, hook, stdout);
            stderr.WriteLine($"slimcap: capturing on {source.Name}, link type {LinkTypeInfo.Name(source.LinkType)}, {source.Description}, snapshot length {settings.Live.SnapLength} bytes"
                + (settings.Write is null ? "" : $", writing {settings.Write}"));

            using var deadline = settings.Duration is TimeSpan d ? new Timer(_ => signal.Stop(), null, d, Timeout.InfiniteTimeSpan) : null;
            // A bound receiver keeps the kernel from answering each datagram with an ICMP port-unreachable.
            using UdpClient? receiver = settings.SelfTestTraffic ? TryBind(SelfTestPort) : null;
            Task traffic = settings.SelfTestTraffic
                ? LoopbackSender.SendAsync(settings.Count > 0 ? (int)Math.Min(settings.Count, 1000) : 20, TimeSpan.FromMilliseconds(20), SelfTestPort, signal.Token)
                : Task.CompletedTask;
            long captured = 0;
            Exception? failure = null;
            try
            {
                using IBlockFeed feed = source.OpenFeed();
                captured = PacketPump.Run(feed, sink, filter: null, settings.Count, signal.Token);
            }
            catch (Exception e) when (ErrorReport.IsReportable(e))
            {
                failure = e;
            }
            finally
            {
                signal.Stop();
                try
                {
                    sink.Complete();
                }
                catch (Exception e) when (ErrorReport.IsReportable(e) && failure is null)
                {
                    failure = e;
                }
            }
            traffic.Wait(TimeSpan.FromSeconds(1));
            hook?.WaitAll(RotateHook.FinalWait);
            CaptureStats stats = source.Stats;
            string files = sink is RotatingFileSink rotating ? $", {rotating.FilesFinished} files written" : "";
            for (int m = 0; m < source.MemberCount; m++)
            {
                CaptureStats member = source.MemberStats(m);
                stderr.WriteLine($"slimcap: fanout member {m}: kernel: {member.PacketsReceived} received, {member.PacketsDropped} dropped, {member.QueueFreezes} queue freezes");
            }
            stderr.WriteLine($"slimcap: {captured} packets captured on {source.Name}; kernel: {stats.PacketsReceived} received, {stats.PacketsDropped} dropped, {stats.QueueFreezes} queue freezes{files}");
            return failure is null ? ExitCodes.Ok : ErrorReport.Write(failure, stderr);
        }
    }

    private static void Validate(CaptureSettings s)
    {
        if (s.Count < 0) throw new UsageException("-c", $"{s.Count} is negative; give the number of packets to capture, or leave -c out for no limit.");
        if (s.Live.SnapLength < 1) throw new UsageException("-s", $"{s.Live.SnapLength} is too small; give at least 1 (default 262144).");
        if (s.Live.SnapLength > 262144) throw new UsageException("-s", $"{s.Live.SnapLength} is too large; give at most 262144 (the default).");
        if (s.Rotate is not null && (s.Write is null || s.Write == "-"))
            throw new UsageException(RotationPolicy.OptionName, "rotation needs -w FILE naming a file (not -): the rotated files are named after it.");
        if (s.OnRotate is not null && s.Rotate is null)
            throw new UsageException("--on-rotate", "runs when a rotated file is finished; add --rotate (e.g. --rotate size=100MB).");
        if (s.Print && s.Json) throw new UsageException("--print", "--print and --json both write to stdout; choose one.");
        if (s.Write == "-" && (s.Print || s.Json))
            throw new UsageException("-w -", "the capture file goes to stdout, and so would --print/--json; write the file to a path or drop --print/--json.");
        if (s.SelfTestTraffic && s.Live.Interface != "lo")
            throw new UsageException("--self-test-traffic", $"sends to 127.0.0.1, which only lo carries; capture with -i lo or drop --self-test-traffic.");
    }

    private static IPacketSink CreateSink(CaptureSettings s, CaptureFileWriterOptions writerOptions, RotateHook? hook, TextWriter stdout)
    {
        var sinks = new List<IPacketSink>();
        if (s.Write is not null)
        {
            sinks.Add(s.Rotate is not null
                ? new RotatingFileSink(s.Write, RotationPolicy.Parse(s.Rotate), writerOptions, hook)
                : FileSink.Create(s.Write, writerOptions));
        }
        if (s.Json) sinks.Add(new JsonSink(Console.OpenStandardOutput()));
        else if (s.Print || s.Write is null) sinks.Add(new PrintSink(stdout));
        return sinks.Count == 1 ? sinks[0] : new TeeSink(sinks);
    }

    private static UdpClient? TryBind(int port)
    {
        try
        {
            return new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException)
        {
            return null; // the port is taken: the datagrams still go out, answered by ICMP
        }
    }

    private static int Positive(string option, int value) =>
        value > 0 ? value : throw new UsageException(option, $"{value} must be at least 1.");
}
