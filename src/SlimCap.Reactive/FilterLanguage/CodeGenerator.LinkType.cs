using static SlimCap.Reactive.Filters.BpfInstruction;
using static SlimCap.Reactive.FilterLanguage.Numbers;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.FilterLanguage;

// Tests of the link-layer protocol type (gen_linktype and its per-link helpers).
internal sealed partial class CodeGenerator
{
    // AF_INET6 values that BSD-family writers use in DLT_NULL headers (NetBSD/OpenBSD, FreeBSD, Darwin), and Linux's.
    private const uint AfInet = 2, AfInet6Bsd = 24, AfInet6FreeBsd = 28, AfInet6Darwin = 30, AfInet6Linux = 10;

    /// <summary>A test that the packet's link-layer protocol is <paramref name="proto"/> (an ethertype above 1500, an LLC SAP otherwise).</summary>
    private Cond LinkTypeTest(uint proto)
    {
        if (_labelStackDepth > 0) return MplsLinkType(proto);
        switch ((LinkType)_linkType)
        {
            case LinkType.Ethernet:
            {
                Cond? prev = _isEncapsulated ? null : PrevLinkHeaderCheck();
                Cond b = EtherLinkType(proto);
                return prev is null ? b : Cond.And(prev, b);
            }
            case LinkType.LinuxSll:
                return SllLinkType(proto);
            case LinkType.Raw:
                return proto switch
                {
                    EtherIp => Mcmp(OffsetBase.LinkHeader, 0, SizeB, 0x40, 0xf0),
                    EtherIpv6 => Mcmp(OffsetBase.LinkHeader, 0, SizeB, 0x60, 0xf0),
                    _ => False(),
                };
            case LinkType.Ipv4:
                return proto == EtherIp ? True() : False();
            case LinkType.Ipv6:
                return proto == EtherIpv6 ? True() : False();
            case LinkType.Null or LinkType.Loop:
                if (proto == EtherIp) return LoopbackLinkType(AfInet);
                if (proto == EtherIpv6)
                {
                    if (_options.LinuxKernel) return LoopbackLinkType(AfInet6Linux);
                    return Cond.Or(Cond.Or(LoopbackLinkType(AfInet6Bsd), LoopbackLinkType(AfInet6FreeBsd)), LoopbackLinkType(AfInet6Darwin));
                }
                return False();
            case LinkType.Ppp:
                return Cmp(OffsetBase.LinkType, 0, SizeH, EtherToPpp(proto));
            default:
                // Linux cooked v2 and the inner link of an encapsulation: the type field holds an ethertype.
                if (_offLinkType.Constant != OffsetNotSet) return Cmp(OffsetBase.LinkType, 0, SizeH, proto);
                Error($"{LinkName(_linkType)} link-layer type filtering not implemented");
                return null!;
        }
    }

    private static uint EtherToPpp(uint proto) => proto switch
    {
        EtherIp => 0x0021, EtherIpv6 => 0x0057, EtherDecnet => 0x0027, EtherAtalk => 0x0029, 0x0600 => 0x0025,
        LlcSapIsoNs => 0x0023, LlcSap8021D => 0x0031, LlcSapIpx => 0x002b, _ => proto,
    };

    private Cond EtherLinkType(uint proto)
    {
        switch (proto)
        {
            case LlcSapIsoNs or LlcSapIp or LlcSapNetbeui:
                return Cond.And(CmpGt(OffsetBase.LinkType, 0, SizeH, EtherMtu).Not(), Cmp(OffsetBase.Llc, 0, SizeH, proto << 8 | proto));
            case LlcSapIpx:
            {
                Cond b1 = Cond.Or(Cmp(OffsetBase.Llc, 0, SizeB, LlcSapIpx), Cmp(OffsetBase.Llc, 0, SizeH, 0xffff));
                b1 = Cond.Or(Snap(0x000000, EtherIpx), b1);
                b1 = Cond.And(CmpGt(OffsetBase.LinkType, 0, SizeH, EtherMtu).Not(), b1);
                return Cond.Or(Cmp(OffsetBase.LinkType, 0, SizeH, EtherIpx), b1);
            }
            case EtherAtalk or EtherAarp:
            {
                Cond b0 = CmpGt(OffsetBase.LinkType, 0, SizeH, EtherMtu).Not();
                Cond b1 = Cond.And(b0, proto == EtherAtalk ? Snap(0x080007, EtherAtalk) : Snap(0x000000, EtherAarp));
                return Cond.Or(Cmp(OffsetBase.LinkType, 0, SizeH, proto), b1);
            }
            default:
                if (proto <= EtherMtu)
                    return Cond.And(CmpGt(OffsetBase.LinkType, 0, SizeH, EtherMtu).Not(), Cmp(OffsetBase.LinkType, 2, SizeB, proto));
                return Cmp(OffsetBase.LinkType, 0, SizeH, proto);
        }
    }

    private Cond LoopbackLinkType(uint af)
    {
        // DLT_NULL holds the AF value in the writer's byte order; DLT_LOOP in network order.
        if (_linkType == (int)LinkType.Null && !_options.LoopbackHeaderBigEndian) af = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(af);
        return Cmp(OffsetBase.LinkHeader, 0, SizeW, af);
    }

    private Cond SllLinkType(uint proto)
    {
        switch (proto)
        {
            case LlcSapIsoNs or LlcSapIp or LlcSapNetbeui:
                return Cond.And(Cmp(OffsetBase.LinkType, 0, SizeH, SllP8022), Cmp(OffsetBase.Llc, 0, SizeH, proto << 8 | proto));
            case LlcSapIpx:
            {
                Cond b1 = Cond.Or(Cmp(OffsetBase.Llc, 0, SizeB, LlcSapIpx), Snap(0x000000, EtherIpx));
                b1 = Cond.And(Cmp(OffsetBase.LinkType, 0, SizeH, SllP8022), b1);
                b1 = Cond.Or(Cmp(OffsetBase.LinkType, 0, SizeH, SllP8023), b1);
                return Cond.Or(Cmp(OffsetBase.LinkType, 0, SizeH, EtherIpx), b1);
            }
            case EtherAtalk or EtherAarp:
            {
                Cond b0 = Cmp(OffsetBase.LinkType, 0, SizeH, SllP8022);
                Cond b1 = Cond.And(b0, proto == EtherAtalk ? Snap(0x080007, EtherAtalk) : Snap(0x000000, EtherAarp));
                return Cond.Or(Cmp(OffsetBase.LinkType, 0, SizeH, proto), b1);
            }
            default:
                if (proto <= EtherMtu)
                    return Cond.And(Cmp(OffsetBase.LinkType, 0, SizeH, SllP8022), Cmp(OffsetBase.LinkHeader, _offLinkPayload.Constant, SizeB, proto));
                return Cmp(OffsetBase.LinkType, 0, SizeH, proto);
        }
    }

    /// <summary>An LLC/SNAP header with the given organisation code and protocol type.</summary>
    private Cond Snap(uint orgCode, uint protoType)
    {
        ReadOnlySpan<byte> block =
        [
            (byte)LlcSapSnap, (byte)LlcSapSnap, 0x03, (byte)(orgCode >> 16), (byte)(orgCode >> 8), (byte)orgCode,
            (byte)(protoType >> 8), (byte)protoType,
        ];
        return Bcmp(OffsetBase.Llc, 0, block);
    }

    /// <summary>IPv4/IPv6 inside MPLS: the bottom-of-stack bit, then the IP version nibble.</summary>
    private Cond MplsLinkType(uint proto)
    {
        uint version = proto switch
        {
            EtherIp => 0x40,
            EtherIpv6 => 0x60,
            _ => 0,
        };
        if (version == 0) Error("unsupported protocol over mpls");
        Cond b0 = Mcmp(OffsetBase.LinkPayload, unchecked((uint)-2), SizeB, 0x01, 0x01);
        return Cond.And(b0, Mcmp(OffsetBase.LinkPayload, 0, SizeB, version, 0xf0));
    }

    private Cond? PrevLinkHeaderCheck() => _isEncapsulated ? EncapsulatedLinkHeaderCheck() : null;

    /// <summary>Inside Geneve/VXLAN: a link-layer header is present when its offset differs from the payload's.</summary>
    private Cond EncapsulatedLinkHeaderCheck()
    {
        List<Stmt> s = [S(ClassLd | ModeMem, (uint)_offLinkHeader.Reg), S(ClassLdx | ModeMem, (uint)_offLinkPayload.Reg)];
        return Cond.Test(s, ClassJmp | JmpJeq | SrcX, 0).Not();
    }

    // ---- llc ----

    private Cond LlcFrame()
    {
        if (_linkType != (int)LinkType.Ethernet) Error($"'llc' not supported for {LinkName(_linkType)}");
        Cond b0 = CmpGt(OffsetBase.LinkType, 0, SizeH, EtherMtu).Not();
        return Cond.And(b0, Cmp(OffsetBase.Llc, 0, SizeH, 0xffff).Not());
    }

    private Cond Llc(LlcNode node)
    {
        string? sub = node.Subtype;
        if (sub is null) return LlcFrame();
        switch (sub.ToLowerInvariant())
        {
            case "i":
            {
                Cond b0 = LlcFrame();
                return Cond.And(b0, JsetTest(LoadA(OffsetBase.Llc, 2, SizeB), 0x01).Not());
            }
            case "s":
                return Cond.And(LlcFrame(), Mcmp(OffsetBase.Llc, 2, SizeB, 0x01, 0x03));
            case "u":
                return Cond.And(LlcFrame(), Mcmp(OffsetBase.Llc, 2, SizeB, 0x03, 0x03));
        }
        uint? s = sub.ToLowerInvariant() switch { "rr" => 0x01, "rnr" => 0x05, "rej" => 0x09, _ => null };
        if (s is not null) return Cond.And(LlcFrame(), Mcmp(OffsetBase.Llc, 2, SizeB, s.Value, 0x0f));
        uint? u = sub.ToLowerInvariant() switch
        {
            "ui" => 0x03, "ua" => 0x63, "disc" => 0x43, "dm" => 0x0f, "sabme" => 0x6f, "test" => 0xe3, "xid" => 0xaf, "frmr" => 0x87,
            _ => null,
        };
        if (u is null)
        {
            _column = node.SubtypeColumn;
            Error($"unknown LLC type name \"{sub}\"");
        }
        return Cond.And(LlcFrame(), Mcmp(OffsetBase.Llc, 2, SizeB, u.Value, 0xef));
    }
}
