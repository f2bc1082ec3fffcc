using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SlimCap.Reactive;

/// <summary>Flow keys for partitioning packets.</summary>
/// <remarks>Thread safety: pure functions of their input; safe from any thread.</remarks>
public static class FlowKey
{
    private const byte Tcp = 6, Udp = 17, Sctp = 132, UdpLite = 136;
    private const byte HopByHop = 0, Routing = 43, Fragment = 44, Authentication = 51, DestinationOptions = 60;
    private const int MaxExtensionHeaders = 8;

    /// <summary>
    /// A symmetric 5-tuple hash of the packet's IP layer: addresses, protocol and (for TCP, UDP, UDP-Lite and SCTP)
    /// ports, with the two endpoints put in a fixed order first, so both directions of a flow get the same key.
    /// </summary>
    /// <remarks>
    /// Reads only what was captured and never throws on short or malformed bytes: non-IP packets, or an unknown IP
    /// layer offset, give 0; a header cut short gives the hash of what could be read (addresses without ports, say).
    /// IPv4 and IPv6 fragments are keyed by addresses and protocol only (later fragments carry no ports), so a
    /// fragmented datagram stays together but may land apart from its flow's unfragmented packets. IPv6 extension
    /// headers (hop-by-hop, routing, fragment, destination options, AH) are skipped to find the ports.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The packet's block was released.</exception>
    public static ulong Symmetric5Tuple(in PacketRef packet) => Symmetric5Tuple(packet.IpLayer);

    /// <summary>As <see cref="Symmetric5Tuple(in PacketRef)"/>, over bytes starting at the IPv4 or IPv6 header.</summary>
    public static ulong Symmetric5Tuple(ReadOnlySpan<byte> ip)
    {
        if (ip.IsEmpty) return 0;
        return (ip[0] >> 4) switch
        {
            4 => IPv4(ip),
            6 => IPv6(ip),
            _ => 0,
        };
    }

    private static ulong IPv4(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 20) return 0;
        int headerLength = (ip[0] & 0x0F) * 4;
        byte protocol = ip[9];
        bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0; // MF flag or an offset
        ReadOnlySpan<byte> l4 = headerLength >= 20 && headerLength <= ip.Length ? ip[headerLength..] : default;
        return Hash(4, protocol, ip.Slice(12, 4), ip.Slice(16, 4), fragment ? default : l4);
    }

    private static ulong IPv6(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 40) return 0;
        byte next = ip[6];
        int offset = 40;
        bool fragment = false;
        for (int i = 0; i < MaxExtensionHeaders && offset + 8 <= ip.Length; i++)
        {
            int length;
            switch (next)
            {
                case HopByHop or Routing or DestinationOptions:
                    length = (ip[offset + 1] + 1) * 8;
                    break;
                case Authentication:
                    length = (ip[offset + 1] + 2) * 4;
                    break;
                case Fragment:
                    length = 8;
                    fragment |= (BinaryPrimitives.ReadUInt16BigEndian(ip[(offset + 2)..]) & 0xFFF9) != 0; // offset or M flag
                    break;
                default:
                    goto done;
            }
            next = ip[offset];
            offset += length;
        }
        done:
        ReadOnlySpan<byte> l4 = !fragment && offset <= ip.Length ? ip[offset..] : default;
        return Hash(6, next, ip.Slice(8, 16), ip.Slice(24, 16), l4);
    }

    private static ulong Hash(int version, byte protocol, ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> l4)
    {
        ushort sourcePort = 0, destinationPort = 0;
        if (protocol is Tcp or Udp or Sctp or UdpLite && l4.Length >= 4)
        {
            sourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4);
            destinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
        }
        // Order the endpoints so that A→B and B→A hash alike.
        int order = source.SequenceCompareTo(destination);
        if (order > 0 || (order == 0 && sourcePort > destinationPort))
        {
            ReadOnlySpan<byte> swap = source;
            source = destination;
            destination = swap;
            (sourcePort, destinationPort) = (destinationPort, sourcePort);
        }
        ulong h = Mix(0x9E3779B97F4A7C15UL ^ ((ulong)protocol << 8) ^ (ulong)version);
        h = Absorb(h, source);
        h = Absorb(h, destination);
        return Mix(h ^ (((ulong)sourcePort << 16) | destinationPort));
    }

    private static ulong Absorb(ulong h, ReadOnlySpan<byte> address)
    {
        for (int i = 0; i + 8 <= address.Length; i += 8) h = Mix(h ^ BinaryPrimitives.ReadUInt64BigEndian(address[i..]));
        if (address.Length % 8 == 4) h = Mix(h ^ BinaryPrimitives.ReadUInt32BigEndian(address[^4..]));
        return h;
    }

    /// <summary>The SplitMix64 finalizer: every input bit affects every output bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
