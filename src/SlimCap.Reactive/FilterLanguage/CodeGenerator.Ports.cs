using static SlimCap.Reactive.Filters.BpfInstruction;
using static SlimCap.Reactive.FilterLanguage.Numbers;

namespace SlimCap.Reactive.FilterLanguage;

// port and portrange over IPv4 (first fragments only) and IPv6 (no extension headers), TCP/UDP/SCTP.
internal sealed partial class CodeGenerator
{
    /// <summary>IPv4 fragment offset 0 (not a later fragment).</summary>
    private Cond IpFirstFragment() => JsetTest(LoadA(OffsetBase.LinkPayload, 6, SizeH), 0x1fff).Not();

    private Cond PortPair(Func<uint, Cond> atom, int dir, string what)
    {
        switch (dir)
        {
            case Q.Src: return atom(0);
            case Q.Dst: return atom(2);
            case Q.And: return Cond.And(atom(0), atom(2));
            case Q.Default or Q.Or: return Cond.Or(atom(0), atom(2));
        }
        Rejecting802_11Qualifier(dir, what);
        return null!;
    }

    private Cond PortOp(uint port, uint proto, int dir)
    {
        Cond b0 = Cond.And(Cmp(OffsetBase.LinkPayload, 9, SizeB, proto), IpFirstFragment());
        Cond b1 = PortPair(off => Cmp(OffsetBase.TransportIpv4, off, SizeH, port), dir, "ports");
        return Cond.And(b0, b1);
    }

    private Cond PortOp6(uint port, uint proto, int dir)
    {
        Cond b0 = Cmp(OffsetBase.LinkPayload, 6, SizeB, proto);
        Cond b1 = PortPair(off => Cmp(OffsetBase.TransportIpv6, off, SizeH, port), dir, "ports");
        return Cond.And(b0, b1);
    }

    private Cond PortRangeAtom(OffsetBase rel, uint off, uint v1, uint v2)
    {
        if (v1 > v2) (v1, v2) = (v2, v1);
        Cond b1 = CmpGe(rel, off, SizeH, v1);
        return Cond.And(b1, CmpLe(rel, off, SizeH, v2));
    }

    private Cond PortRangeOp(uint p1, uint p2, uint proto, int dir)
    {
        Cond b0 = Cond.And(Cmp(OffsetBase.LinkPayload, 9, SizeB, proto), IpFirstFragment());
        Cond b1 = PortPair(off => PortRangeAtom(OffsetBase.TransportIpv4, off, p1, p2), dir, "port ranges");
        return Cond.And(b0, b1);
    }

    private Cond PortRangeOp6(uint p1, uint p2, uint proto, int dir)
    {
        Cond b0 = Cmp(OffsetBase.LinkPayload, 6, SizeB, proto);
        Cond b1 = PortPair(off => PortRangeAtom(OffsetBase.TransportIpv6, off, p1, p2), dir, "port ranges");
        return Cond.And(b0, b1);
    }

    /// <summary>Over the transport protocol <paramref name="ipProto"/> (or TCP, UDP and SCTP when undefined), IPv4 then IPv6.</summary>
    private Cond PortTest(int ipProto, Func<uint, Cond> v4, Func<uint, Cond> v6)
    {
        Cond b0 = LinkTypeTest(EtherIp);
        Cond b1 = ipProto == ProtoUndef ? AnyTransport(v4) : v4((uint)ipProto);
        Cond ip4 = Cond.And(b0, b1);
        Cond c0 = LinkTypeTest(EtherIpv6);
        Cond c1 = ipProto == ProtoUndef ? AnyTransport(v6) : v6((uint)ipProto);
        Cond ip6 = Cond.And(c0, c1);
        // gen_or(gen_port6(...), b): the IPv6 test comes first.
        return Cond.Or(ip6, ip4);
    }

    /// <summary>TCP, UDP and SCTP: generated in that order, SCTP tested first (gen_or(sctp, tcp-or-udp)).</summary>
    private static Cond AnyTransport(Func<uint, Cond> op)
    {
        Cond tcp = op(IpProtoTcp);
        Cond b1 = Cond.Or(tcp, op(IpProtoUdp));
        return Cond.Or(op(IpProtoSctp), b1);
    }

    private Cond Port(uint port, int ipProto, int dir) =>
        PortTest(ipProto, p => PortOp(port, p, dir), p => PortOp6(port, p, dir));

    private Cond PortRange(uint p1, uint p2, int ipProto, int dir) =>
        PortTest(ipProto, p => PortRangeOp(p1, p2, p, dir), p => PortRangeOp6(p1, p2, p, dir));
}
