using static SlimCap.Reactive.FilterLanguage.Numbers;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.FilterLanguage;

// Values with their qualifiers (libpcap's gen_scode, gen_ncode, gen_mcode, gen_mcode6, gen_ecode).
internal sealed partial class CodeGenerator
{
    private Cond Id(IdNode node)
    {
        Qualifier q = node.Qualifier;
        switch (node.Kind)
        {
            case IdKind.Name: return NameCode(node.Text, q);
            case IdKind.Number: return NumberCode(null, node.Number, q);
            case IdKind.Ipv4:
                if (q.Addr == Q.Port) Error("'port' modifier applied to ip host");
                if (q.Addr == Q.PortRange) Error("'portrange' modifier applied to ip host");
                if (q.Addr == Q.Proto) Error("'proto' modifier applied to ip host");
                if (q.Addr == Q.ProtoChain) Error("'protochain' modifier applied to ip host");
                return NumberCode(node.Text, 0, q);
            case IdKind.Ipv4Prefix: return MaskCode(node.Text, null, node.Number, q);
            case IdKind.Ipv4Mask: return MaskCode(node.Text, node.Mask, 0, q);
            case IdKind.Ipv6 or IdKind.Ipv6Prefix: return MaskCode6(node.Text, node.Number, q);
            case IdKind.Ether: return EtherCode(node.Text, q);
            default:
                Error("aid supported only on ARCnet");
                return null!;
        }
    }

    private Cond NameCode(string name, Qualifier q)
    {
        switch (q.Addr)
        {
            case Q.Net:
                NameError(name, $"unknown network '{name}' (network names are not looked up)");
                break;
            case Q.Default or Q.Host:
                if (q.Proto == Q.Link)
                {
                    if (_linkType != (int)LinkType.Ethernet) Error("only ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel supports link-level host name");
                    NameError(name, $"unknown ether host '{name}' (Ethernet host names are not looked up)");
                }
                if (q.Proto == Q.Decnet) NameError(name, $"decnet name support not included, '{name}' cannot be translated");
                NameError(name, $"unknown host '{name}' (host names are never resolved when compiling; use a numeric address)");
                break;
            case Q.Port:
            {
                if (q.Proto is not (Q.Default or Q.Udp or Q.Tcp or Q.Sctp)) Error("illegal qualifier of 'port'");
                if (!NameTables.TryPort(name, out int port, out int realProto)) NameError(name, $"unknown port '{name}'");
                realProto = NarrowPortProto(q.Proto, realProto, $"port '{name}'");
                if (port > 65535) Error($"illegal port number {port} > 65535");
                return Port((uint)port, realProto, q.Dir);
            }
            case Q.PortRange:
            {
                if (q.Proto is not (Q.Default or Q.Udp or Q.Tcp or Q.Sctp)) Error("illegal qualifier of 'portrange'");
                if (!NameTables.TryPortRange(name, out int p1, out int p2, out int realProto)) NameError(name, $"unknown port in range '{name}'");
                realProto = NarrowPortProto(q.Proto, realProto, $"port in range '{name}'");
                if (p1 < 0) Error($"illegal port number {p1} < 0");
                if (p1 > 65535) Error($"illegal port number {p1} > 65535");
                if (p2 < 0) Error($"illegal port number {p2} < 0");
                if (p2 > 65535) Error($"illegal port number {p2} > 65535");
                return PortRange((uint)p1, (uint)p2, realProto, q.Dir);
            }
            case Q.Gateway:
                Error("'gateway' not supported in this configuration");
                break;
            case Q.Proto:
            {
                int v = LookupProto(name, q.Proto);
                if (v < 0) NameError(name, $"unknown protocol: {name}");
                return Proto((uint)v, q.Proto, q.Dir);
            }
            case Q.ProtoChain:
            {
                int v = LookupProto(name, q.Proto);
                if (v < 0) NameError(name, $"unknown protocol: {name}");
                return ProtoChain((uint)v, q.Proto);
            }
        }
        Error("syntax error in filter expression");
        return null!;
    }

    private int NarrowPortProto(int proto, int realProto, string what)
    {
        (int wanted, string name) = proto switch
        {
            Q.Udp => ((int)IpProtoUdp, "udp"),
            Q.Tcp => ((int)IpProtoTcp, "tcp"),
            Q.Sctp => ((int)IpProtoSctp, "sctp"),
            _ => (0, ""),
        };
        if (wanted == 0) return realProto;
        if (realProto != ProtoUndef && realProto != wanted)
            Error($"{what} is {(realProto == IpProtoTcp ? "tcp" : realProto == IpProtoUdp ? "udp" : "sctp")}");
        return wanted;
    }

    /// <summary>A number or dotted IPv4 address (<paramref name="text"/>) with its qualifier.</summary>
    private Cond NumberCode(string? text, uint v, Qualifier q)
    {
        int vlen;
        if (text is null) vlen = 32;
        else if (q.Proto == Q.Decnet)
        {
            if (!TryDecnetAddress(text, out v)) Error($"malformed decnet address '{text}'");
            vlen = 32;
        }
        else
        {
            vlen = Ipv4Text.ParseShort(text, out v);
            if (vlen < 0) Error($"invalid IPv4 address '{text}'");
        }
        switch (q.Addr)
        {
            case Q.Default or Q.Host or Q.Net:
            {
                if (q.Proto == Q.Decnet) return Host(v, 0, q.Proto, q.Dir, q.Addr);
                if (q.Proto == Q.Link) Error("illegal link layer address");
                uint mask = 0xffffffff;
                if (text is null && q.Addr == Q.Net)
                {
                    while (v != 0 && (v & 0xff000000) == 0)
                    {
                        v <<= 8;
                        mask <<= 8;
                    }
                }
                else
                {
                    v = vlen == 0 ? 0 : v << (32 - vlen);
                    mask = vlen == 0 ? 0 : mask << (32 - vlen);
                }
                return Host(v, mask, q.Proto, q.Dir, q.Addr);
            }
            case Q.Port or Q.PortRange:
            {
                string kind = q.Addr == Q.Port ? "port" : "portrange";
                int proto = q.Proto switch
                {
                    Q.Udp => (int)IpProtoUdp,
                    Q.Tcp => (int)IpProtoTcp,
                    Q.Sctp => (int)IpProtoSctp,
                    Q.Default => ProtoUndef,
                    _ => -2,
                };
                if (proto == -2) Error($"illegal qualifier of '{kind}'");
                if (v > 65535) Error($"illegal port number {v} > 65535");
                return q.Addr == Q.Port ? Port(v, proto, q.Dir) : PortRange(v, v, proto, q.Dir);
            }
            case Q.Gateway: Error("'gateway' requires a name"); break;
            case Q.Proto: return Proto(v, q.Proto, q.Dir);
            case Q.ProtoChain: return ProtoChain(v, q.Proto);
        }
        Error("syntax error in filter expression");
        return null!;
    }

    private static bool TryDecnetAddress(string text, out uint addr)
    {
        addr = 0;
        string[] parts = text.Split('.');
        if (parts.Length < 2 || !int.TryParse(parts[0], out int area) || !int.TryParse(parts[1], out int node)) return false;
        addr = (uint)((area << 10) & 0xfc00) | (uint)(node & 0x3ff);
        return true;
    }

    private Cond MaskCode(string address, string? maskText, uint maskLength, Qualifier q)
    {
        int nlen = Ipv4Text.ParseShort(address, out uint n);
        if (nlen < 0) Error($"invalid IPv4 address '{address}'");
        n = nlen == 0 ? 0 : n << (32 - nlen);
        uint m;
        if (maskText is not null)
        {
            int mlen = Ipv4Text.ParseShort(maskText, out m);
            if (mlen < 0) Error($"invalid IPv4 address '{maskText}'");
            m = mlen == 0 ? 0 : m << (32 - mlen);
            if ((n & ~m) != 0) Error($"non-network bits set in \"{address} mask {maskText}\"");
        }
        else
        {
            if (maskLength > 32) Error("mask length must be <= 32");
            m = maskLength == 0 ? 0 : 0xffffffff << (int)(32 - maskLength);
            if ((n & ~m) != 0) Error($"non-network bits set in \"{address}/{maskLength}\"");
        }
        if (q.Addr != Q.Net) Error("Mask syntax for networks only");
        return Host(n, m, q.Proto, q.Dir, q.Addr);
    }

    private Cond MaskCode6(string address, uint maskLength, Qualifier q)
    {
        if (!Ipv6Text.TryParse(address, out byte[] addr)) Error($"invalid ip6 address {address}");
        if (maskLength > 128) Error("mask length must be <= 128");
        var mask = new byte[16];
        for (int i = 0; i < maskLength / 8; i++) mask[i] = 0xff;
        if (maskLength % 8 != 0) mask[maskLength / 8] = (byte)(0xff << (int)(8 - maskLength % 8));
        for (int i = 0; i < 16; i++)
        {
            if ((addr[i] & ~mask[i]) != 0) Error($"non-network bits set in \"{address}/{maskLength}\"");
        }
        switch (q.Addr)
        {
            case Q.Default or Q.Host:
                if (maskLength != 128) Error("Mask syntax for networks only");
                return Host6(addr, mask, q.Proto, q.Dir, q.Addr);
            case Q.Net:
                return Host6(addr, mask, q.Proto, q.Dir, q.Addr);
        }
        Error("invalid qualifier against IPv6 address");
        return null!;
    }

    private Cond EtherCode(string text, Qualifier q)
    {
        if ((q.Addr == Q.Host || q.Addr == Q.Default) && q.Proto == Q.Link)
            return EtherHost(MacText.Parse(text), q.Dir, "ethernet addresses supported only on ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel");
        Error("ethernet address used in non-ether expression");
        return null!;
    }
}
