using System.Runtime.Versioning;
using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

namespace Dump;

/// <summary>
/// <c>--fanout N</c>: N rings in one PACKET_FANOUT group (flow hash), each read by its own capture thread; the merged
/// block stream shows which member captured each packet, and with <c>-w</c> every member's packets go into one file.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class FanoutDump
{
    public static int Run(DumpSettings settings, int members)
    {
        FanoutGroupSource group;
        try
        {
            group = new FanoutGroupSource(settings.Device, members, new RingOptions
            {
                Promiscuous = settings.Promiscuous,
                CaptureLength = CaptureLength.Fixed(settings.SnapLength),
                BlockTimeout = TimeSpan.FromMilliseconds(20),
                Fanout = new FanoutGroupOptions { Mode = FanoutMode.Hash, Defrag = true },
            });
        }
        catch (Exception e) when (e is CaptureException or ArgumentException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }
        using (group)
        {
            CaptureFileWriter? writer;
            try
            {
                writer = settings.WriteFile is null ? null : CaptureFileWriter.Create(settings.WriteFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                Console.Error.WriteLine($"Cannot write '{settings.WriteFile}': {e.Message}");
                return 1;
            }
            Console.WriteLine($"Reading {settings.Count} packets from {group.Name} through a fan-out group of {members} rings (group {group.GroupId}, flow hash){(writer is null ? "" : $"; writing {settings.WriteFile}")}");
            using var stopTraffic = new CancellationTokenSource();
            Task traffic = settings.Device == "lo" && !settings.NoTraffic
                ? LoopbackSender.SendAsync(settings.Count * 2, TimeSpan.FromMilliseconds(50), 33333, stopTraffic.Token) : Task.CompletedTask;
            using var done = new ManualResetEventSlim();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                done.Set();
            };
            Console.CancelKeyPress += onCancel;
            int seen = 0;
            Exception? failure = null;
            var perMember = new int[members];
            // The merged stream's notifications are serialized, so the one writer and the counters need no lock.
            IDisposable subscription = group.ToObservable().Subscribe(block =>
            {
                using (block)
                {
                    foreach (PacketRef packet in block)
                    {
                        if (seen == settings.Count) break;
                        writer?.Write(packet);
                        perMember[packet.FanoutMember]++;
                        Console.WriteLine($"#{seen,-4} m{packet.FanoutMember,-3} {PacketFormatter.Describe(packet.Data, packet.TotalLength, packet.Type, packet.LinkType)}  @ {packet.Timestamp:HH:mm:ss.ffffff}");
                        seen++;
                    }
                }
                if (seen == settings.Count) done.Set();
            }, e =>
            {
                failure = e;
                done.Set();
            }, done.Set);
            bool finished = done.Wait(TimeSpan.FromSeconds(settings.TimeoutSeconds));
            subscription.Dispose();
            Console.CancelKeyPress -= onCancel;
            stopTraffic.Cancel();
            traffic.Wait(TimeSpan.FromSeconds(1));
            writer?.Dispose();
            if (failure is not null)
            {
                Console.Error.WriteLine(failure.Message);
                return 1;
            }
            if (!finished) Console.Error.WriteLine($"Timed out after {settings.TimeoutSeconds} s with {seen} of {settings.Count} packets.");
            CaptureStats stats = group.Stats;
            Console.WriteLine($"{seen} packets shown (per member: {string.Join(", ", perMember)}); kernel, summed over the members: {stats.PacketsReceived} received, {stats.PacketsDropped} dropped, {stats.QueueFreezes} queue freezes");
            return seen == settings.Count ? 0 : 1;
        }
    }
}
