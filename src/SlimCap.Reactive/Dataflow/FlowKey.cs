using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>Flow keys for partitioning packets.</summary>
/// <remarks>Thread safety: pure functions of their input; safe from any thread.</remarks>
public static class FlowKey
{
    private const byte Tcp = 6, Udp = 17, Sctp = 132, UdpLite = 136;
    private const byte HopByHop = 0, Routing = 43, Fragment = 44, Authentication = 51, DestinationOptions = 60;
    private const int MaxExtensionHeaders = 8;
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// A symmetric 5-tuple hash of the packet's IP layer: addresses, protocol and (for TCP, UDP, UDP-Lite and SCTP)
    /// ports, with the two endpoints put in a fixed order first, so both directions of a flow get the same key.
    /// </summary>
    /// <remarks>
    /// Reads only what was captured and never throws on short or malformed bytes: non-IP packets, or an unknown IP
    /// layer offset, give 0; a header cut short gives the hash of what could be read (addresses without ports, say).
    /// IPv4 and IPv6 fragments are keyed by addresses and protocol only (later fragments carry no ports), so a
    /// fragmented datagram stays together but may land apart from its flow's unfragmented packets. IPv6 extension
    /// headers (hop-by-hop, routing, fragment, destination options, AH) are skipped to find the ports. A VLAN tag the
    /// kernel stripped (<see cref="PacketRef.HasVlan"/>) is not part of the key. The values are the same on every
    /// platform and run, but are not a stable format: compare keys with each other, not with stored numbers.
    /// </remarks>
    /// <exception cref="ObjectDisposedException">The packet's block was released.</exception>
    public static ulong Symmetric5Tuple(in PacketRef packet) => Symmetric5Tuple(packet.IpLayer);

    /// <summary>As <see cref="Symmetric5Tuple(in PacketRef)"/>, over bytes starting at the IPv4 or IPv6 header.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// As <see cref="Symmetric5Tuple(ReadOnlySpan{byte})"/> over a frame whose IP layer starts at
    /// <paramref name="ipLayerOffset"/> (the partitioner's walk, which has the frame but no <see cref="PacketRef"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Symmetric5Tuple(ReadOnlySpan<byte> frame, int ipLayerOffset) =>
        (uint)ipLayerOffset < (uint)frame.Length ? Symmetric5Tuple(frame.Slice(ipLayerOffset)) : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasPorts(uint protocol) => protocol is Tcp or Udp or Sctp or UdpLite;

    // Addresses and ports are read as whole little-endian words, not byte by byte: any fixed total order of the
    // endpoints makes the key symmetric, it need not be the numeric one, and little-endian reads cost nothing on
    // the platforms .NET runs AF_PACKET on while keeping the values the same everywhere.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong IPv4(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 20) return 0;
        int headerLength = (ip[0] & 0x0F) << 2;
        uint protocol = ip[9];
        bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(6)) & 0x3FFF) != 0; // MF flag or an offset
        uint ports = 0; // source port in the low half, destination port in the high half
        if (!fragment && HasPorts(protocol) && headerLength >= 20 && ip.Length - headerLength >= 4)
            ports = BinaryPrimitives.ReadUInt32LittleEndian(ip.Slice(headerLength));
        // One 48-bit word per endpoint (address, port): ordering the two words orders the endpoints. Both addresses
        // come from one 8-byte read (source in the low half).
        ulong addresses = BinaryPrimitives.ReadUInt64LittleEndian(ip.Slice(12));
        ulong source = ((addresses & 0xFFFFFFFF) << 16) | (ports & 0xFFFF);
        ulong destination = ((addresses >> 32) << 16) | (ports >> 16);
        ulong low = Math.Min(source, destination), high = Math.Max(source, destination);
        // The endpoints fill 48 bits each; the protocol and version go into the spare top bits of the high one.
        return Mix((low * Golden) ^ high ^ (((ulong)protocol << 48) | (4UL << 56)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong IPv6(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 40) return 0;
        uint next = ip[6];
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
                    fragment |= (BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(offset + 2)) & 0xFFF9) != 0; // offset or M flag
                    break;
                default:
                    goto done;
            }
            next = ip[offset];
            offset += length;
        }
        done:
        uint ports = 0;
        if (!fragment && HasPorts(next) && offset <= ip.Length - 4)
            ports = BinaryPrimitives.ReadUInt32LittleEndian(ip.Slice(offset));
        ulong s0 = BinaryPrimitives.ReadUInt64LittleEndian(ip.Slice(8)), s1 = BinaryPrimitives.ReadUInt64LittleEndian(ip.Slice(16));
        ulong d0 = BinaryPrimitives.ReadUInt64LittleEndian(ip.Slice(24)), d1 = BinaryPrimitives.ReadUInt64LittleEndian(ip.Slice(32));
        uint sp = ports & 0xFFFF, dp = ports >> 16;
        // Order the endpoints (address words, then port) so that A→B and B→A hash alike.
        bool swap = s0 != d0 ? s0 > d0 : s1 != d1 ? s1 > d1 : sp > dp;
        if (swap)
        {
            (s0, d0) = (d0, s0);
            (s1, d1) = (d1, s1);
            (sp, dp) = (dp, sp);
        }
        ulong h = Absorb(Golden ^ ((ulong)next << 8) ^ 6UL, s0);
        h = Absorb(h, s1);
        h = Absorb(h, d0);
        h = Absorb(h, d1);
        return Mix(h ^ (((ulong)sp << 16) | dp));
    }

    /// <summary>One multiply-xorshift round per 64-bit word: cheap, and Mix at the end spreads every bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Absorb(ulong h, ulong word)
    {
        h = (h ^ word) * 0xBF58476D1CE4E5B9UL;
        return h ^ (h >> 29);
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
