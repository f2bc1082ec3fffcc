using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// Bad input ends in a <see cref="CaptureException"/> the examples' <c>catch (CaptureException)</c> sees (on main before
/// this test a bad interface name was a plain <see cref="ArgumentException"/>), and the permission hint tells where
/// setcap applies.
/// </summary>
public sealed class ErrorTypeTests
{
    [Theory]
    [InlineData("a/b")]
    [InlineData("waytoolonginterfacename")]
    [InlineData("eth 0")]
    [InlineData("")]
    public void A_name_no_interface_can_have_is_a_capture_exception_naming_it(string name)
    {
        foreach (Func<object> open in new Func<object>[]
        {
            () => SlimCap.Reactive.Links.NetworkLinks.Get(name),
            () => new RingSource(name),
            () => new SocketSource(name),
        })
        {
            var error = Assert.Throws<InvalidInterfaceNameException>(open);
            Assert.IsAssignableFrom<CaptureException>(error);
            Assert.Equal(name, error.InterfaceName);
            Assert.Contains("is not a valid network interface name", error.Message);
        }
    }

    [Fact]
    public void The_permission_hint_says_setcap_applies_to_the_apps_own_executable_not_to_dotnet_dll()
    {
        var error = new CapturePermissionException("socket(AF_PACKET, SOCK_RAW)", 1, "eth0");
        Assert.IsAssignableFrom<CaptureException>(error);
        Assert.Contains("own executable", error.Message);
        Assert.Contains("does not apply to 'dotnet MyApp.dll'", error.Message);
    }

    [Fact]
    public void A_detached_packet_keeps_its_capture_time_as_a_DateTimeOffset()
    {
        using var image = new RingImageSource(blockSize: 8192, blockCount: 1);
        long ns = 1_700_000_000_123_456_789L;
        Assert.True(image.TryAddPacket(new byte[60], PacketType.Host, 60, ns));
        image.RetireBlock();
        Assert.Equal(CaptureStatus.Packet, image.NextPacketRef(out PacketRef p));
        DateTimeOffset expected = p.Timestamp;
        using DetachedPacket detached = p.Detach();
        Assert.Equal(expected, detached.Timestamp);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123).AddTicks(4567), detached.Timestamp);
    }
}
