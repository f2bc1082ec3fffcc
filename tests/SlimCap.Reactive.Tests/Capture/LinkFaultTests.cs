using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>The interface goes down, comes back, or disappears while a capture runs (real kernel, test namespaces).</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LinkFaultTests
{
    private static void Inject(TestNetwork net, int from, int count) =>
        net.InjectFromPeer(Enumerable.Range(from, count).Select(i => Frames.Udp(i)));

    /// <summary>Reads until the source ends; returns the test frames' sequence numbers and how it ended.</summary>
    private static Task<(List<long> Sequences, Exception? Error)> ReadToEnd(CaptureSource source) =>
        Task.Factory.StartNew(() =>
        {
            var seen = new List<long>();
            try
            {
                while (true)
                {
                    CaptureStatus status = source.NextPacketRef(out PacketRef p);
                    if (status == CaptureStatus.Stopped) return (seen, (Exception?)null);
                    if (status == CaptureStatus.Packet && Frames.SequenceOf(p.Data) is var s and >= 0) seen.Add(s);
                }
            }
            catch (Exception e)
            {
                return (seen, e);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static CaptureSource Open(TestNetwork net, bool ring, LinkDownPolicy policy) =>
        net.Capture<CaptureSource>(() => ring
            ? new RingSource(net.CaptureInterface, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(50), LinkDown = policy })
            : new SocketSource(net.CaptureInterface, new SocketOptions { LinkDown = policy }));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Link_down_delivers_everything_captured_then_fails_with_link_down(bool ring)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using CaptureSource source = Open(net, ring, LinkDownPolicy.Fail);
        var reading = ReadToEnd(source);
        Inject(net, 0, 100);
        net.Ip($"-n {net.CaptureNamespace} link set {net.CaptureInterface} down");
        using var guard = new Timer(_ => source.Dispose(), null, 15_000, Timeout.Infinite);
        var (seen, error) = await reading;
        Assert.IsType<LinkDownException>(error);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), seen);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Wait_for_link_resumes_when_the_link_comes_back(bool ring)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        CaptureSource source = Open(net, ring, LinkDownPolicy.WaitForLink);
        var reading = ReadToEnd(source);
        Inject(net, 0, 50);
        net.Ip($"-n {net.CaptureNamespace} link set {net.CaptureInterface} down");
        Thread.Sleep(400); // longer than the grace: under Fail this would have ended the capture
        net.Ip($"-n {net.CaptureNamespace} link set {net.CaptureInterface} up");
        Thread.Sleep(200);
        Inject(net, 50, 50);
        Assert.True(SpinWait.SpinUntil(() => source.Stats.PacketsReceived >= 100, 10_000));
        Thread.Sleep(300); // let the last block retire
        source.Dispose();
        var (seen, error) = await reading;
        Assert.Null(error);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), seen);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task An_interface_that_disappears_ends_the_capture_with_interface_gone(bool ring, bool deleteNamespace)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using CaptureSource source = Open(net, ring, LinkDownPolicy.WaitForLink);
        var reading = ReadToEnd(source);
        Inject(net, 0, 30);
        Thread.Sleep(200);
        // Deleting the peer's namespace destroys the veth pair, and with it the captured end.
        if (deleteNamespace) net.Ip($"netns del {net.PeerNamespace}");
        else net.Ip($"-n {net.CaptureNamespace} link del {net.CaptureInterface}");
        using var guard = new Timer(_ => source.Dispose(), null, 15_000, Timeout.Infinite);
        var (seen, error) = await reading;
        var gone = Assert.IsType<InterfaceGoneException>(error);
        Assert.Equal(net.CaptureInterface, gone.InterfaceName);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => (long)i), seen);
    }
}
