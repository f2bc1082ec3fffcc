using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// Close and Unblock raced against a busy reader, and sources opened and closed in a row: no crash,
/// no hang, and afterwards exactly the sockets, eventfds and ring mappings the process had before.
/// Runs in the non-parallel live collection so no other test opens sockets meanwhile.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class RaceAndLeakTests
{
    private static Thread StartThread(Action action)
    {
        var t = new Thread(() => action()) { IsBackground = true };
        t.Start();
        return t;
    }

    [Fact]
    public void Close_and_unblock_raced_against_a_busy_reader_a_thousand_times()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var stop = new CancellationTokenSource();
        ProcessResources before = ProcessResources.Read();
        Thread traffic = net.StartTraffic(stop.Token);
        var random = new Random(1234);
        long packets = 0;
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                bool ring = i % 4 != 3;
                CaptureSource source = net.Capture<CaptureSource>(() => ring
                    ? new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 16, BlockCount = 4, BlockTimeout = TimeSpan.FromMilliseconds(1) })
                    : new SocketSource(net.CaptureInterface));
                Exception? unexpected = null;
                bool useBlocks = i % 2 == 0;
                var reader = StartThread(() =>
                {
                    try
                    {
                        while (true)
                        {
                            if (useBlocks)
                            {
                                CaptureStatus s = source.NextBlock(out PacketBlock? block);
                                if (s == CaptureStatus.Stopped) return;
                                if (block is null) continue;
                                using (block) foreach (PacketRef p in block) packets += p.Data[0] + 1;
                            }
                            else
                            {
                                CaptureStatus s = source.NextPacketRef(out PacketRef p);
                                if (s == CaptureStatus.Stopped) return;
                                if (s == CaptureStatus.Packet) packets += p.Data[0] + 1;
                            }
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        // Closed between two reads: the documented outcome.
                    }
                    catch (Exception e)
                    {
                        unexpected = e;
                    }
                });
                Thread.SpinWait(random.Next(20_000));
                if (i % 3 == 0) source.Unblock();
                Thread.SpinWait(random.Next(20_000));
                source.Dispose();
                Assert.True(reader.Join(2000), $"iteration {i}: the reader did not stop after Dispose");
                Assert.Null(unexpected);
            }
        }
        finally
        {
            stop.Cancel();
            traffic.Join(10_000);
        }
        Assert.True(packets > 0, "the reader never saw traffic");
        ProcessResources after = ProcessResources.Read();
        Assert.True(after.SameCaptureResourcesAs(before), $"before {before}, after {after}");
    }

    [Fact]
    public void Opening_and_closing_a_thousand_sources_leaves_nothing_behind()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        // Warm up (JIT, runtime descriptors), then measure.
        net.Capture(() => new RingSource(net.CaptureInterface)).Dispose();
        ProcessResources before = ProcessResources.Read();
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        net.Capture(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                using CaptureSource source = i % 2 == 0 ? new RingSource(net.CaptureInterface) : new SocketSource(net.CaptureInterface, new SocketOptions { BatchBufferCount = 1 });
                _ = source.Stats;
            }
        });
        ProcessResources after = ProcessResources.Read();
        long managedAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after.SameCaptureResourcesAs(before), $"before {before}, after {after}");
        Assert.True(managedAfter - managedBefore < 16 << 20, $"managed heap grew by {managedAfter - managedBefore} bytes over 1000 sources");
    }

    [Fact]
    public void A_ring_larger_than_the_machine_can_give_is_refused_before_the_kernel_tries_to_allocate_it()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        // 48 GiB: twice this machine's memory. The kernel would allocate it block by block until the
        // OOM killer strikes, so the source must refuse it first.
        var options = new RingOptions { BlockSize = 1 << 30, BlockCount = 48 };
        var error = Assert.Throws<InvalidCaptureOptionException>(() => net.Capture<RingSource>(() => new RingSource(net.CaptureInterface, options)));
        Assert.Equal("BlockCount", error.OptionName);
        Assert.Contains("available memory", error.Message);
        Assert.True(ProcessResources.Read().SameCaptureResourcesAs(before), "a refused open left a socket or mapping behind");
    }

    [Fact]
    public void A_failing_setup_call_leaves_no_descriptor_or_mapping_behind()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        // A program libpcap's checker accepts but the kernel's refuses (a load of scratch memory never stored: the
        // kernel's check_load_and_stores) fails SO_ATTACH_FILTER after the socket exists: the socket must be closed on
        // the way out.
        var program = new SlimCap.Reactive.Filters.BpfProgram([new SlimCap.Reactive.Filters.BpfInstruction(0x60, 0, 0, 0), SlimCap.Reactive.Filters.BpfInstruction.Return(1)]);
        Assert.False(program.IsLinuxCompatible);
        // The kernel's EINVAL comes back as the typed error naming the instruction and why.
        var error = Assert.Throws<InvalidBpfProgramException>(() => net.Capture<RingSource>(() => new RingSource(net.CaptureInterface, new RingOptions { BpfFilter = program })));
        Assert.Contains("scratch memory", error.Message);
        Assert.True(ProcessResources.Read().SameCaptureResourcesAs(before), "a failed open left a socket or mapping behind");
    }
}
