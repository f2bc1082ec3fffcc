using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// Subscription dispose and enumeration cancel raced against a capture under traffic, 1,000 times
/// each: no crash, no hang, every lease back, and the process's sockets, eventfds and ring mappings
/// as before.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class StreamRaceTests
{
    private static RingSource OpenRing(TestNetwork net) =>
        net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 16, BlockCount = 4, BlockTimeout = TimeSpan.FromMilliseconds(1) }));

    [Fact]
    public async Task Subscription_dispose_raced_against_the_capture_a_thousand_times()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        using var stop = new CancellationTokenSource();
        Thread traffic = net.StartTraffic(stop.Token);
        var random = new Random(99);
        long packets = 0;
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                using RingSource ring = OpenRing(net);
                Exception? error = null;
                IDisposable subscription = ring.ToObservable().Subscribe(
                    block => { using (block) foreach (PacketRef p in block) packets += p.Data[0] + 1; },
                    e => error = e);
                Thread.SpinWait(random.Next(50_000));
                var disposer = Task.Run(subscription.Dispose, TestContext.Current.CancellationToken);
                Assert.True(await Task.WhenAny(disposer, Task.Delay(2000, TestContext.Current.CancellationToken)) == disposer, $"iteration {i}: disposing the subscription hung");
                Assert.Null(error);
                Assert.Equal(0, ring.LeasedBlocks);
            }
        }
        finally
        {
            stop.Cancel();
            traffic.Join(10_000);
        }
        Assert.True(packets > 0, "no traffic reached the observers");
        Assert.True(ProcessResources.Read().SameCaptureResourcesAs(before));
    }

    [Fact]
    public async Task Enumeration_cancel_raced_against_the_capture_a_thousand_times()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        using var stop = new CancellationTokenSource();
        Thread traffic = net.StartTraffic(stop.Token);
        var random = new Random(7);
        long packets = 0;
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                using RingSource ring = OpenRing(net);
                using var cancel = new CancellationTokenSource();
                Task enumeration = Task.Run(async () =>
                {
                    await foreach (PacketRef p in ring.ReadAllAsync(cancel.Token)) packets += p.Data[0] + 1;
                });
                Thread.SpinWait(random.Next(50_000));
                cancel.Cancel();
                Task finished = await Task.WhenAny(enumeration, Task.Delay(2000, TestContext.Current.CancellationToken));
                Assert.True(finished == enumeration, $"iteration {i}: cancelling the enumeration hung");
                Assert.True(enumeration.IsCompletedSuccessfully || enumeration.IsCanceled, $"iteration {i}: {enumeration.Exception}");
                Assert.Equal(0, ring.LeasedBlocks);
            }
        }
        finally
        {
            stop.Cancel();
            traffic.Join(10_000);
        }
        Assert.True(packets > 0, "no traffic reached the enumerations");
        Assert.True(ProcessResources.Read().SameCaptureResourcesAs(before));
    }
}
