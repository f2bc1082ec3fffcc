using static SlimCap.Reactive.Filters.BpfInstruction;
using static SlimCap.Reactive.FilterLanguage.Numbers;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.FilterLanguage;

// Address tests: IPv4/IPv6 hosts and networks, ARP/RARP addresses, Ethernet and DECnet addresses.
internal sealed partial class CodeGenerator
{
    private void Rejecting802_11Qualifier(int dir, string what)
    {
        switch (dir)
        {
            case Q.Addr1: Error($"'addr1' and 'address1' are not valid qualifiers for {what}"); break;
            case Q.Addr2: Error($"'addr2' and 'address2' are not valid qualifiers for {what}"); break;
            case Q.Addr3: Error($"'addr3' and 'address3' are not valid qualifiers for {what}"); break;
            case Q.Addr4: Error($"'addr4' and 'address4' are not valid qualifiers for {what}"); break;
            case Q.Ra: Error($"'ra' is not a valid qualifier for {what}"); break;
            case Q.Ta: Error($"'ta' is not a valid qualifier for {what}"); break;
        }
    }

    private Cond HostOp(uint addr, uint mask, int dir, uint proto, uint srcOff, uint dstOff)
    {
        switch (dir)
        {
            case Q.Src or Q.Dst:
            {
                Cond b0 = LinkTypeTest(proto);
                return Cond.And(b0, AddressWord(dir == Q.Src ? srcOff : dstOff, addr, mask));
            }
            case Q.And:
                return Cond.And(HostOp(addr, mask, Q.Src, proto, srcOff, dstOff), HostOp(addr, mask, Q.Dst, proto, srcOff, dstOff));
            case Q.Default or Q.Or:
                return Cond.Or(HostOp(addr, mask, Q.Src, proto, srcOff, dstOff), HostOp(addr, mask, Q.Dst, proto, srcOff, dstOff));
        }
        Rejecting802_11Qualifier(dir, "addresses other than 802.11 MAC addresses");
        return null!;
    }

    private Cond HostOp6(byte[] addr, byte[] mask, int dir, uint srcOff, uint dstOff)
    {
        switch (dir)
        {
            case Q.Src or Q.Dst:
            {
                uint off = dir == Q.Src ? srcOff : dstOff;
                uint Word(byte[] b, int i) => (uint)(b[4 * i] << 24 | b[4 * i + 1] << 16 | b[4 * i + 2] << 8 | b[4 * i + 3]);
                // Generated from the last word to the first, tested from the first (libpcap's order).
                Cond b1 = AddressWord(off + 12, Word(addr, 3), Word(mask, 3));
                b1 = Cond.And(AddressWord(off + 8, Word(addr, 2), Word(mask, 2)), b1);
                b1 = Cond.And(AddressWord(off + 4, Word(addr, 1), Word(mask, 1)), b1);
                b1 = Cond.And(AddressWord(off, Word(addr, 0), Word(mask, 0)), b1);
                return Cond.And(LinkTypeTest(EtherIpv6), b1);
            }
            case Q.And:
                return Cond.And(HostOp6(addr, mask, Q.Src, srcOff, dstOff), HostOp6(addr, mask, Q.Dst, srcOff, dstOff));
            case Q.Default or Q.Or:
                return Cond.Or(HostOp6(addr, mask, Q.Src, srcOff, dstOff), HostOp6(addr, mask, Q.Dst, srcOff, dstOff));
        }
        Rejecting802_11Qualifier(dir, "addresses other than 802.11 MAC addresses");
        return null!;
    }

    /// <summary>
    /// One 32-bit word of an address under a mask. A word the mask clears entirely is always equal, and libpcap's
    /// optimizer drops its load (and with it the load's bounds check); it is never loaded here, so optimized and
    /// unoptimized programs both keep what libpcap's (optimized) program keeps.
    /// </summary>
    private Cond AddressWord(uint offset, uint value, uint mask) =>
        mask == 0 ? True() : Mcmp(OffsetBase.LinkPayload, offset, SizeW, value, mask);

    private Cond Host(uint addr, uint mask, int proto, int dir, int type)
    {
        string typeName = type == Q.Net ? "net" : "host";
        switch (proto)
        {
            case Q.Default:
            {
                Cond b0 = Host(addr, mask, Q.Ip, dir, type);
                if (_labelStackDepth == 0)
                {
                    Cond b1 = Cond.Or(b0, Host(addr, mask, Q.Arp, dir, type));
                    b0 = Cond.Or(b1, Host(addr, mask, Q.Rarp, dir, type));
                }
                return b0;
            }
            case Q.Link: Error($"link-layer modifier applied to {typeName}"); break;
            case Q.Ip: return HostOp(addr, mask, dir, EtherIp, 12, 16);
            case Q.Rarp: return HostOp(addr, mask, dir, EtherRevArp, 14, 24);
            case Q.Arp: return HostOp(addr, mask, dir, EtherArp, 14, 24);
            case Q.Decnet: return DecnetHostOp(addr, dir);
            case Q.Atalk: Error("AppleTalk host filtering not implemented"); break;
            case Q.Lat: Error("LAT host filtering not implemented"); break;
            case Q.Sca: Error("SCA host filtering not implemented"); break;
            case Q.MopRc: Error("MOPRC host filtering not implemented"); break;
            case Q.MopDl: Error("MOPDL host filtering not implemented"); break;
            case Q.Ipv6: Error("'ip6' modifier applied to ip host"); break;
            case Q.Aarp: Error("AARP host filtering not implemented"); break;
            case Q.Iso: Error("ISO host filtering not implemented"); break;
            case Q.Ipx: Error("IPX host filtering not implemented"); break;
        }
        Error($"'{Q.NameOf(proto)}' modifier applied to {typeName}");
        return null!;
    }

    private Cond Host6(byte[] addr, byte[] mask, int proto, int dir, int type)
    {
        string typeName = type == Q.Net ? "net" : "host";
        switch (proto)
        {
            case Q.Default or Q.Ipv6: return HostOp6(addr, mask, dir, 8, 24);
            case Q.Link: Error($"link-layer modifier applied to ip6 {typeName}"); break;
            case Q.Atalk: Error($"AppleTalk modifier applied to ip6 {typeName}"); break;
        }
        Error($"'{Q.NameOf(proto)}' modifier applied to ip6 {typeName}");
        return null!;
    }

    private Cond EtherHostOp(ReadOnlySpan<byte> mac, int dir)
    {
        switch (dir)
        {
            case Q.Src: return Bcmp(OffsetBase.LinkHeader, 6, mac);
            case Q.Dst: return Bcmp(OffsetBase.LinkHeader, 0, mac);
            case Q.And: return Cond.And(EtherHostOp(mac, Q.Src), EtherHostOp(mac, Q.Dst));
            case Q.Default or Q.Or: return Cond.Or(EtherHostOp(mac, Q.Src), EtherHostOp(mac, Q.Dst));
            case Q.Addr1: Error("'addr1' and 'address1' are only supported on 802.11 with 802.11 headers"); break;
            case Q.Addr2: Error("'addr2' and 'address2' are only supported on 802.11 with 802.11 headers"); break;
            case Q.Addr3: Error("'addr3' and 'address3' are only supported on 802.11 with 802.11 headers"); break;
            case Q.Addr4: Error("'addr4' and 'address4' are only supported on 802.11 with 802.11 headers"); break;
            case Q.Ra: Error("'ra' is only supported on 802.11 with 802.11 headers"); break;
            default: Error("'ta' is only supported on 802.11 with 802.11 headers"); break;
        }
        return null!;
    }

    /// <summary>An Ethernet-address test, with the encapsulation check when inside Geneve/VXLAN.</summary>
    private Cond EtherHost(ReadOnlySpan<byte> mac, int dir, string unsupported)
    {
        if (_linkType != (int)LinkType.Ethernet) Error(unsupported);
        Cond? prev = PrevLinkHeaderCheck();
        Cond b = EtherHostOp(mac, dir);
        return prev is null ? b : Cond.And(prev, b);
    }

    private Cond DecnetHostOp(uint addr, int dir)
    {
        uint offsetSh, offsetLh;
        switch (dir)
        {
            case Q.Dst: (offsetSh, offsetLh) = (1, 7); break;
            case Q.Src: (offsetSh, offsetLh) = (3, 15); break;
            case Q.And: return Cond.And(DecnetHostOp(addr, Q.Src), DecnetHostOp(addr, Q.Dst));
            case Q.Default or Q.Or: return Cond.Or(DecnetHostOp(addr, Q.Src), DecnetHostOp(addr, Q.Dst));
            default:
                Rejecting802_11Qualifier(dir, "addresses other than 802.11 MAC addresses");
                return null!;
        }
        // DECnet addresses are little-endian on the wire.
        uint swapped = (uint)(((addr & 0xff) << 8) | ((addr >> 8) & 0xff));
        Cond b0 = LinkTypeTest(EtherDecnet);
        Cond tmp = Mcmp(OffsetBase.LinkPayload, 2, SizeH, 0x8106, 0xff07);
        Cond b1 = Cond.And(tmp, Cmp(OffsetBase.LinkPayload, 2 + 1 + offsetLh, SizeH, swapped));
        tmp = Mcmp(OffsetBase.LinkPayload, 2, SizeB, 0x06, 0x07);
        Cond b2 = Cond.And(tmp, Cmp(OffsetBase.LinkPayload, 2 + offsetLh, SizeH, swapped));
        b1 = Cond.Or(b2, b1);
        tmp = Mcmp(OffsetBase.LinkPayload, 2, SizeH, 0x8102, 0xff07);
        b2 = Cond.And(tmp, Cmp(OffsetBase.LinkPayload, 2 + 1 + offsetSh, SizeH, swapped));
        b1 = Cond.Or(b2, b1);
        tmp = Mcmp(OffsetBase.LinkPayload, 2, SizeB, 0x02, 0x07);
        b2 = Cond.And(tmp, Cmp(OffsetBase.LinkPayload, 2 + offsetSh, SizeH, swapped));
        b1 = Cond.Or(b2, b1);
        return Cond.And(b0, b1);
    }
}
