using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// The kernel hands a packet socket on loopback two copies of every packet (the sender's, Outgoing, and the
/// receiver's, Host); libpcap shows each once (pcap-linux.c skips outgoing packets on the loopback interface), and so
/// does every source here by default, with <see cref="CaptureOptions.KeepLoopbackDuplicates"/> to keep both. On the
/// lo of a test namespace, to 127.0.0.1 of that namespace only.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class LoopbackOnceTests
{
    private const int Datagrams = 20;
    private const int Port = 9997;

    private static bool IsOurs(CapturedFrame f) => f.Data.Length > 42 && f.Data[23] == 17 && (f.Data[36] << 8 | f.Data[37]) == Port;

    /// <summary>Sends the datagrams on the namespace's lo and returns what <paramref name="open"/>'s source captured of them within 2 s.</summary>
    private static List<CapturedFrame> CaptureDatagrams(TestNetwork net, Func<CaptureSource> open)
    {
        using CaptureSource source = net.Capture(open);
        // Up to twice as many as sent: the reader ends at its 2 s deadline when fewer come (the source is then closed).
        using var reader = new CaptureReader(source, Datagrams * 2, IsOurs, deadlineSeconds: 2);
        net.Capture(() =>
        {
            using var udp = new System.Net.Sockets.UdpClient(System.Net.Sockets.AddressFamily.InterNetwork);
            for (int i = 0; i < Datagrams; i++) udp.Send(new byte[16], 16, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, Port));
        });
        return reader.Wait();
    }

    public static TheoryData<string, bool> KindsAndChoices() => new()
    {
        { "ring", false }, { "ring", true }, { "socket", false }, { "socket", true },
    };

    [Theory]
    [MemberData(nameof(KindsAndChoices))]
    public void Loopback_shows_each_packet_once_unless_both_copies_are_asked_for(string kind, bool keepBoth)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        List<CapturedFrame> frames = CaptureDatagrams(net, () => kind == "ring"
            ? new RingSource("lo", new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(10), KeepLoopbackDuplicates = keepBoth })
            : new SocketSource("lo", new SocketOptions { CaptureLength = CaptureLength.Fixed(2048), KeepLoopbackDuplicates = keepBoth }));
        Assert.Equal(Datagrams, frames.Count(f => f.Type == PacketType.Host));
        Assert.Equal(keepBoth ? Datagrams : 0, frames.Count(f => f.Type == PacketType.Outgoing));
        Assert.Equal(keepBoth ? 2 * Datagrams : Datagrams, frames.Count);
    }

    [Fact]
    public void A_veth_still_shows_what_this_host_sends()
    {
        // The loopback default must not touch other interfaces: frames sent out of the capture end are Outgoing there.
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using CaptureSource ring = net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockTimeout = TimeSpan.FromMilliseconds(10) }));
        Assert.NotEqual(HardwareType.Loopback, ((RingSource)ring).Link.HardwareType);
        using var reader = new CaptureReader(ring, Datagrams);
        net.Capture(() =>
        {
            using var injector = new FrameInjector(net.CaptureInterface);
            for (int i = 0; i < Datagrams; i++) injector.Send(Frames.Udp(i));
        });
        List<CapturedFrame> frames = reader.Wait();
        Assert.Equal(Datagrams, frames.Count(f => f.Type == PacketType.Outgoing));
    }
}
