using SlimCap.Reactive.Tests.Reactive;
using System.Buffers.Binary;

namespace SlimCap.Reactive.Tests.Dataflow;

public class FlowKeyTests
{
    private static byte[] IPv4(byte protocol, uint source, uint destination, ushort sourcePort, ushort destinationPort, ushort fragment = 0)
    {
        var ip = new byte[28];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), fragment);
        ip[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(ip.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(ip.AsSpan(16), destination);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(20), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(22), destinationPort);
        return ip;
    }

    private static byte[] IPv6(byte next, byte source, byte destination, ushort sourcePort, ushort destinationPort, byte[]? extension = null)
    {
        extension ??= [];
        var ip = new byte[40 + extension.Length + 8];
        ip[0] = 0x60;
        ip[6] = next;
        ip[8 + 15] = source;
        ip[24 + 15] = destination;
        extension.CopyTo(ip, 40);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(40 + extension.Length), sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(42 + extension.Length), destinationPort);
        return ip;
    }

    [Fact]
    public void Both_directions_of_a_flow_get_the_same_key_and_other_flows_differ()
    {
        ulong forward = FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000001, 0x0A000002, 40000, 443));
        ulong backward = FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000002, 0x0A000001, 443, 40000));
        Assert.Equal(forward, backward);
        Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000001, 0x0A000002, 40001, 443)));
        Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv4(17, 0x0A000001, 0x0A000002, 40000, 443)));
        Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv4(6, 0x0A000001, 0x0A000003, 40000, 443)));
        // Same addresses both ways (loopback): ports decide the order.
        Assert.Equal(FlowKey.Symmetric5Tuple(IPv4(17, 0x7F000001, 0x7F000001, 5000, 6000)),
            FlowKey.Symmetric5Tuple(IPv4(17, 0x7F000001, 0x7F000001, 6000, 5000)));
        Assert.NotEqual(0UL, forward);
    }

    [Fact]
    public void IPv6_is_symmetric_and_extension_headers_are_skipped_to_the_ports()
    {
        ulong forward = FlowKey.Symmetric5Tuple(IPv6(17, 1, 2, 5353, 53));
        Assert.Equal(forward, FlowKey.Symmetric5Tuple(IPv6(17, 2, 1, 53, 5353)));
        Assert.NotEqual(forward, FlowKey.Symmetric5Tuple(IPv6(17, 1, 2, 5354, 53)));
        // A hop-by-hop header (8 bytes, next = UDP) in front of the same UDP header gives the same key.
        byte[] hopByHop = [17, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(forward, FlowKey.Symmetric5Tuple(IPv6(0, 1, 2, 5353, 53, hopByHop)));
    }

    [Fact]
    public void Fragments_are_keyed_without_ports()
    {
        // First fragment (MF set) and a later one (offset) of one datagram agree, whatever bytes sit where ports would.
        ulong first = FlowKey.Symmetric5Tuple(IPv4(17, 0x0A000001, 0x0A000002, 1234, 53, fragment: 0x2000));
        ulong later = FlowKey.Symmetric5Tuple(IPv4(17, 0x0A000002, 0x0A000001, 9999, 7777, fragment: 0x00B9));
        Assert.Equal(first, later);
        byte[] fragmentHeader = [17, 0, 0x00, 0x09, 0, 0, 0, 1]; // offset 1, next = UDP
        Assert.Equal(FlowKey.Symmetric5Tuple(IPv6(44, 1, 2, 1, 2, fragmentHeader)), FlowKey.Symmetric5Tuple(IPv6(44, 2, 1, 3, 4, fragmentHeader)));
    }

    [Fact]
    public void Truncated_or_garbage_bytes_never_throw()
    {
        Assert.Equal(0UL, FlowKey.Symmetric5Tuple(ReadOnlySpan<byte>.Empty));
        Assert.Equal(0UL, FlowKey.Symmetric5Tuple(new byte[] { 0x45, 0, 0 }));
        Assert.Equal(0UL, FlowKey.Symmetric5Tuple(new byte[] { 0x08, 0x06, 0, 1 })); // not IP
        byte[] full = IPv4(6, 1, 2, 3, 4);
        for (int n = 0; n <= full.Length; n++) FlowKey.Symmetric5Tuple(full.AsSpan(0, n));
        byte[] bad = IPv4(6, 1, 2, 3, 4);
        bad[0] = 0x4F; // header length 60 > captured bytes: addresses only
        Assert.Equal(FlowKey.Symmetric5Tuple(IPv4(6, 1, 2, 0, 0, fragment: 0x2000)), FlowKey.Symmetric5Tuple(bad));
        var random = new Random(5);
        var buffer = new byte[80];
        for (int i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            buffer[0] = (byte)((i % 2 == 0 ? 0x40 : 0x60) | (buffer[0] & 0x0F));
            FlowKey.Symmetric5Tuple(buffer.AsSpan(0, random.Next(buffer.Length + 1)));
        }
    }
}
