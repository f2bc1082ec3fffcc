using System.Runtime.InteropServices;
using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

namespace Dump;

internal sealed record DumpSettings(string Device, int Count, string Style, bool UseSocket, bool Promiscuous, int SnapLength,
    double TimeoutSeconds, bool NoTraffic, string? ReadFile, string? WriteFile, int Fanout = 0, string? Filter = null);

internal static class DumpCommand
{
    public static int Run(DumpSettings settings)
    {
        var (device, count, style, useSocket, promiscuous, snapLength, timeoutSeconds, noTraffic, readFile, writeFile, fanout, filter) = settings;
        if (count < 1)
        {
            Console.Error.WriteLine("--count must be at least 1.");
            return 2;
        }
        if (fanout != 0)
        {
            if (fanout < 0 || useSocket || readFile is not null || filter is not null)
            {
                Console.Error.WriteLine("--fanout takes a member count of 1 or more, and works on rings only (not with --socket, --read or a filter expression).");
                return 2;
            }
            if (!OperatingSystem.IsLinux())
            {
                Console.Error.WriteLine("--fanout captures live, which needs Linux.");
                return 2;
            }
            return FanoutDump.Run(settings, fanout);
        }
        // Writing needs the packet's metadata, which the zero-copy PacketRef carries.
        string[] styles = writeFile is not null ? ["ref"] : style == "all" ? ["new", "buffer", "callback"] : [style];
        if (styles.Any(s => s is not ("new" or "buffer" or "zerocopy" or "callback" or "ref")))
        {
            Console.Error.WriteLine($"Unknown --style '{style}'. Use all, new, buffer, zerocopy or callback.");
            return 2;
        }
        CaptureSource source;
        CaptureFileWriter? writer = null;
        try
        {
            var length = CaptureLength.Fixed(snapLength);
            // Live capture is Linux-only ([SupportedOSPlatform("linux")]); the guard tells the platform analyzer these branches are.
            source = readFile is not null ? CaptureFileSource.Open(readFile, new CaptureFileOptions { Filter = filter })
                : !OperatingSystem.IsLinux() ? throw new PlatformNotSupportedException("live capture needs Linux; on this OS read a capture file with -r FILE")
                : useSocket
                ? new SocketSource(device, new SocketOptions { Promiscuous = promiscuous, CaptureLength = length, Filter = filter })
                : new RingSource(device, new RingOptions { Promiscuous = promiscuous, CaptureLength = length, Filter = filter, BlockTimeout = TimeSpan.FromMilliseconds(20) });
        }
        catch (Exception e) when (e is CaptureException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        using (source)
        {
            try
            {
                writer = writeFile is null ? null : CaptureFileWriter.Create(writeFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                Console.Error.WriteLine($"Cannot write '{writeFile}': {e.Message}");
                return 1;
            }
            string kind = readFile is not null ? "file" : useSocket ? "socket" : "TPACKET_V3 ring";
            Console.WriteLine($"Reading {count} packets from {source.Name} ({LinkTypeInfo.Name(source.LinkType)}, {kind}){(filter is null ? "" : $" matching '{filter}'")}; read styles: {string.Join(", ", styles)}{(writer is null ? "" : $"; writing {writeFile}")}");
            using var stopTraffic = new CancellationTokenSource();
            Task traffic = readFile is null && device == "lo" && !noTraffic
                ? LoopbackSender.SendAsync(count * 2, TimeSpan.FromMilliseconds(50), 33333, stopTraffic.Token) : Task.CompletedTask;
            // Ctrl+C and SIGTERM close the source, which wakes a read blocked on a quiet interface at once.
            bool interrupted = false;
            using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                interrupted = true;
                source.Dispose();
            }
            using var deadline = new Timer(_ => source.Dispose(), null, TimeSpan.FromSeconds(timeoutSeconds), Timeout.InfiniteTimeSpan);
            byte[] buffer = new byte[snapLength];
            int seen = 0;
            try
            {
                while (seen < count)
                {
                    string current = styles[seen % styles.Length];
                    CaptureStatus status = current switch
                    {
                        "new" => ReadNew(source, seen),
                        "buffer" => ReadIntoBuffer(source, buffer, seen),
                        "zerocopy" => ReadZeroCopy(source, seen),
                        "ref" => ReadAndWrite(source, writer, seen),
                        _ => source.NextPacket((seen, source.LinkType), static (s, payload, total, type, ip) =>
                            Console.WriteLine($"#{s.seen,-4} callback  {PacketFormatter.Describe(payload, total, type, s.LinkType)}")),
                    };
                    if (status == CaptureStatus.Stopped)
                    {
                        Console.Error.WriteLine(interrupted ? $"Interrupted after {seen} of {count} packets."
                            : readFile is not null
                            ? $"The file ended after {seen} packets."
                            : $"Timed out after {timeoutSeconds} s with {seen} of {count} packets.");
                        break;
                    }
                    if (status == CaptureStatus.Packet) seen++;
                }
            }
            catch (ObjectDisposedException)
            {
                Console.Error.WriteLine(interrupted ? $"Interrupted after {seen} of {count} packets." : $"Timed out after {timeoutSeconds} s with {seen} of {count} packets.");
            }
            catch (CaptureException e)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
            finally
            {
                writer?.Dispose();
                stopTraffic.Cancel();
                traffic.Wait(TimeSpan.FromSeconds(1));
            }
            CaptureStats stats = source.Stats;
            Console.WriteLine(readFile is not null
                ? $"{seen} packets shown"
                : $"{seen} packets shown; kernel: {stats.PacketsReceived} received, {stats.PacketsDropped} dropped, {stats.QueueFreezes} queue freezes");
            return seen == count || readFile is not null ? 0 : 1;
        }
    }

    private static CaptureStatus ReadNew(CaptureSource source, int index)
    {
        CaptureStatus status = source.NextPacket(out DetachedPacket? packet);
        if (packet is not null)
        {
            using (packet)
                Console.WriteLine($"#{index,-4} new       {PacketFormatter.Describe(packet.Data, packet.TotalLength, packet.Type, packet.LinkType)}  @ {DateTimeOffset.UnixEpoch.AddTicks(packet.TimestampNanoseconds / 100):HH:mm:ss.ffffff}");
        }
        return status;
    }

    private static CaptureStatus ReadIntoBuffer(CaptureSource source, byte[] buffer, int index)
    {
        CaptureStatus status = source.NextPayload(buffer, out int written, out PacketRef packet);
        if (status == CaptureStatus.Packet)
            Console.WriteLine($"#{index,-4} buffer    {PacketFormatter.Describe(buffer.AsSpan(0, written), packet.TotalLength, packet.Type, packet.LinkType)}");
        return status;
    }

    private static CaptureStatus ReadAndWrite(CaptureSource source, CaptureFileWriter? writer, int index)
    {
        CaptureStatus status = source.NextPacketRef(out PacketRef packet);
        if (status == CaptureStatus.Packet)
        {
            writer?.Write(packet);
            Console.WriteLine($"#{index,-4} {PacketFormatter.Describe(packet.Data, packet.TotalLength, packet.Type, packet.LinkType)}  @ {packet.Timestamp:HH:mm:ss.ffffff}");
        }
        return status;
    }

    private static CaptureStatus ReadZeroCopy(CaptureSource source, int index)
    {
        CaptureStatus status = source.NextPayloadZeroCopy(out ReadOnlySpan<byte> payload, out PacketRef packet);
        if (status == CaptureStatus.Packet)
            Console.WriteLine($"#{index,-4} zerocopy  {PacketFormatter.Describe(payload, packet.TotalLength, packet.Type, packet.LinkType)}");
        return status;
    }
}
