using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Socket;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// A live source whose setup fails after it opened its socket closes every descriptor and mapping it took before
/// the constructor throws (20 failures each, counted in /proc/self/fd); a ring with a capture length of 1 to 16 bytes
/// opens (its frame is sized from the kernel's TPACKET_V3 header) and captures that many bytes.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class FailedSetupTests
{
    [Theory]
    [InlineData("ring", "rx-ring")]
    [InlineData("ring", "bind")]
    [InlineData("ring", "attached")]
    [InlineData("socket", "bind")]
    [InlineData("socket", "attached")]
    public void A_failed_constructor_closes_every_descriptor_it_opened(string kind, string step)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        net.Capture(() =>
        {
            using IDisposable fault = SetupFault.FailAt(step);
            for (int i = 0; i < 20; i++)
            {
                var e = Assert.Throws<NativeCallException>(() => kind == "ring"
                    ? (CaptureSource)new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 16, BlockCount = 2 })
                    : new SocketSource(net.CaptureInterface));
                Assert.Contains("injected", e.Message);
            }
        });
        Assert.True(ProcessResources.ReturnsTo(before), $"after 20 failed {kind} constructors at '{step}': {ProcessResources.Read()} instead of {before}");
        // The same constructor works once the fault is gone, and its resources come back on dispose.
        net.Capture(() =>
        {
            using CaptureSource source = kind == "ring" ? new RingSource(net.CaptureInterface) : new SocketSource(net.CaptureInterface);
        });
        Assert.True(ProcessResources.ReturnsTo(before));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(16)]
    public void A_ring_with_a_capture_length_of_a_few_bytes_opens_and_captures_that_many(int snapLength)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var stop = new CancellationTokenSource();
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions
        {
            CaptureLength = SlimCap.Reactive.Filters.CaptureLength.Fixed(snapLength),
            BlockSize = 1 << 16,
            BlockCount = 4,
            BlockTimeout = TimeSpan.FromMilliseconds(5),
        }));
        Assert.Equal(snapLength, ring.SnapLength);
        using var reader = new CaptureReader(ring, 20, _ => true);
        Thread traffic = net.StartTraffic(stop.Token, maxFrames: 100_000, maxSeconds: 20);
        List<CapturedFrame> frames = reader.Wait();
        stop.Cancel();
        traffic.Join();
        Assert.Equal(20, frames.Count);
        Assert.All(frames, f =>
        {
            Assert.Equal(snapLength, f.Data.Length);
            Assert.True(f.TotalLength >= 60);
        });
    }
}
