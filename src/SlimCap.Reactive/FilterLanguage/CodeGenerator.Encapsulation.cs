using static SlimCap.Reactive.Filters.BpfInstruction;
using static SlimCap.Reactive.FilterLanguage.Numbers;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.FilterLanguage;

// vlan, mpls, pppoed/pppoes, geneve and vxlan: each tests its header and moves the offsets of everything
// generated after it (even across "or", as libpcap does).
internal sealed partial class CodeGenerator
{
    private Cond VlanTpidTest()
    {
        Cond b0 = LinkTypeTest(Ether8021Q);
        Cond b1 = Cond.Or(b0, LinkTypeTest(Ether8021Ad));
        return Cond.Or(b1, LinkTypeTest(Ether8021QinQ));
    }

    private Cond VlanIdTest(uint vlan)
    {
        if (vlan > 0x0fff) Error($"VLAN tag {vlan} greater than maximum {0x0fff}");
        return Mcmp(OffsetBase.LinkPayload, 0, SizeH, vlan, 0x0fff);
    }

    private Cond Vlan(uint vlan, bool hasTag)
    {
        if (_labelStackDepth > 0) Error("no VLAN match after MPLS");
        if (_linkType != (int)LinkType.Ethernet) Error($"no VLAN support for {LinkName(_linkType)}");
        Cond b0;
        bool outermost = _vlanStackDepth == 0 && !_offLinkHeader.Variable && _offLinkHeader.Constant == _offOutermostLinkHeader.Constant;
        if (outermost && _options.LinuxKernel) b0 = VlanWithKernelMetadata(vlan, hasTag);
        else
        {
            b0 = VlanTpidTest();
            if (hasTag) b0 = Cond.And(b0, VlanIdTest(vlan));
            _offLinkPayload.Constant += 4;
            _offLinkType.Constant += 4;
        }
        _vlanStackDepth++;
        return b0;
    }

    /// <summary>
    /// Linux live capture: the kernel strips the outer tag into metadata, so test SKF_AD_VLAN_TAG_PRESENT first and
    /// fall back to a tag still in the frame, with the offsets moved at run time (gen_vlan_bpf_extensions).
    /// </summary>
    private Cond VlanWithKernelMetadata(uint vlan, bool hasTag)
    {
        Cond b0 = Cond.Test([S(ClassLd | SizeB | ModeAbs, AncillaryVlanTagPresent)], ClassJmp | JmpJeq | SrcK, 1);
        Cond tpid = VlanTpidTest();
        Cond? vid = hasTag ? VlanIdTest(vlan) : null;

        // The TPID test's first block also moves the variable offsets by the tag it finds in the frame.
        // The blocks jump inside themselves, which the optimizer leaves alone.
        NoOptimize = true;
        _isVlanVariableOffset = true;
        var shift = new List<Stmt>();
        AddToVariableOffset(ref _offLinkPayload, 4, shift);
        AddToVariableOffset(ref _offLinkType, 4, shift);
        tpid.Entry.Stmts.InsertRange(0, shift);
        Cond result = Cond.Or(b0, tpid);

        if (vid is not null)
        {
            // Take the TCI from the metadata when present, else load it from the frame; then mask and compare.
            List<Stmt> original = vid.Entry.Stmts;
            var jeq = S(ClassJmp | JmpJeq | SrcK, 1);
            var loadTag = S(ClassLd | SizeB | ModeAbs, AncillaryVlanTag);
            jeq.JumpTrue = loadTag;
            jeq.JumpFalse = original[0];
            var prefix = new List<Stmt> { S(ClassLd | SizeB | ModeAbs, AncillaryVlanTagPresent), jeq, loadTag, S(ClassJmp | JmpJa, (uint)(original.Count - 1)) };
            vid.Entry.Stmts = [.. prefix, .. original];
            result = Cond.And(result, vid);
        }
        return result;
    }

    private void AddToVariableOffset(ref AbsOffset off, uint v, List<Stmt> s)
    {
        off.Variable = true;
        if (off.Reg == -1) off.Reg = AllocReg();
        s.Add(S(ClassLd | ModeMem, (uint)off.Reg));
        s.Add(S(ClassAlu | AluAdd | SrcK, v));
        s.Add(S(ClassSt, (uint)off.Reg));
    }

    private Cond Mpls(uint label, bool hasLabel)
    {
        Cond b0;
        if (_labelStackDepth > 0) b0 = Mcmp(OffsetBase.PrevMplsHeader, 2, SizeB, 0, 0x01);
        else
        {
            if (_linkType == (int)LinkType.Ethernet) b0 = LinkTypeTest(EtherMpls);
            else if (_linkType == (int)LinkType.Ppp) b0 = LinkTypeTest(0x0281);
            else
            {
                Error($"no MPLS support for {LinkName(_linkType)}");
                return null!;
            }
        }
        if (hasLabel)
        {
            if (label > 0xfffff) Error($"MPLS label {label} greater than maximum {0xfffff}");
            b0 = Cond.And(b0, Mcmp(OffsetBase.LinkPayload, 0, SizeW, label << 12, 0xfffff000));
        }
        _offNlNoSnap += 4;
        _offNl += 4;
        _labelStackDepth++;
        return b0;
    }

    private Cond Pppoes(uint session, bool hasSession)
    {
        Cond b0 = LinkTypeTest(EtherPppoeS);
        if (hasSession)
        {
            if (session > 0xffff) Error($"PPPoE session number {session} greater than maximum {0xffff}");
            b0 = Cond.And(b0, Mcmp(OffsetBase.LinkPayload, 0, SizeW, session, 0x0000ffff));
        }
        // The PPP header follows the 6-byte PPPoE header; its protocol field is the new link type.
        PushLinkHeader((int)LinkType.Ppp, _offLinkPayload.Variable, _offLinkPayload.Constant + _offNl + 6, _offLinkPayload.Reg);
        _offLinkType = _offLinkHeader;
        _offLinkPayload.Constant = _offLinkHeader.Constant + 2;
        _offNl = 0;
        _offNlNoSnap = 0;
        return b0;
    }

    private void PushLinkHeader(int linkType, bool variable, uint constant, int reg)
    {
        _prevLinkType = _linkType;
        _offPrevLinkHeader = _offLinkHeader;
        _linkType = linkType;
        _offLinkHeader = new AbsOffset(constant) { Variable = variable, Reg = reg };
        _isEncapsulated = false;
    }

    private Cond TunnelCheck(bool ipv6, uint port, uint vni, bool hasVni, bool geneve)
    {
        Cond b0 = ipv6 ? Port6Dst(port) : Port4Dst(port);
        OffsetBase rel = ipv6 ? OffsetBase.TransportIpv6 : OffsetBase.TransportIpv4;
        b0 = Cond.And(b0, geneve ? Mcmp(rel, 8, SizeB, 0, 0xc0) : Cmp(rel, 8, SizeB, 0x08));
        if (hasVni)
        {
            if (vni > 0xffffff) Error($"{(geneve ? "Geneve" : "VXLAN")} VNI {vni} greater than maximum {0xffffff}");
            b0 = Cond.And(b0, Mcmp(rel, 12, SizeW, vni << 8, 0xffffff00));
        }
        return b0;
    }

    private Cond Port4Dst(uint port) => PortOnly(false, port);

    private Cond Port6Dst(uint port) => PortOnly(true, port);

    /// <summary>gen_port / gen_port6 alone (IPv4 or IPv6 only, UDP, destination port).</summary>
    private Cond PortOnly(bool ipv6, uint port)
    {
        if (!ipv6)
        {
            Cond b0 = LinkTypeTest(EtherIp);
            return Cond.And(b0, PortOp(port, IpProtoUdp, Q.Dst));
        }
        Cond c0 = LinkTypeTest(EtherIpv6);
        return Cond.And(c0, PortOp6(port, IpProtoUdp, Q.Dst));
    }

    /// <summary>The IPv4 or IPv6 tunnel test, leaving the IP header length in A (and X) for the offset computation that follows.</summary>
    private Cond TunnelHeader(bool ipv6, uint port, uint vni, bool hasVni, bool geneve)
    {
        Cond b0 = TunnelCheck(ipv6, port, vni, hasVni, geneve);
        List<Stmt> s;
        if (!ipv6)
        {
            s = LoadXIpHeaderLength();
            s.Add(S(ClassMisc | MiscTxa));
        }
        else
        {
            List<Stmt>? v = VariablePart(ref _offLinkPayload);
            if (v is not null)
            {
                v.Add(S(ClassLd | ModeImm, 40));
                v.Add(S(ClassAlu | AluAdd | SrcX));
                s = v;
            }
            else s = [S(ClassLd | ModeImm, 40)];
            s.Add(S(ClassMisc | MiscTax));
        }
        return Cond.And(b0, Cond.Test(s, ClassJmp | JmpJeq | SrcX, 0));
    }

    private Cond Geneve(uint vni, bool hasVni)
    {
        Cond b0 = TunnelHeader(false, GenevePort, vni, hasVni, geneve: true);
        Cond b1 = TunnelHeader(true, GenevePort, vni, hasVni, geneve: true);
        Cond tunnel = Cond.Or(b0, b1);
        List<Stmt> s = GeneveOffsets();
        Cond offsets = True();
        offsets.Entry.Stmts.InsertRange(0, s);
        Cond result = Cond.And(tunnel, offsets);
        _isEncapsulated = true;
        return result;
    }

    private List<Stmt> GeneveOffsets()
    {
        var s = new List<Stmt>
        {
            S(ClassAlu | AluAdd | SrcK, _offLinkPayload.Constant + _offNl + 8),
            S(ClassMisc | MiscTax),
            S(ClassAlu | AluAdd | SrcK, 2),
        };
        _offLinkType = new AbsOffset(0) { Variable = true, Reg = AllocReg() };
        s.Add(S(ClassSt, (uint)_offLinkType.Reg));
        s.Add(S(ClassLd | ModeInd | SizeB, 0));
        s.Add(S(ClassAlu | AluAnd | SrcK, 0x3f));
        s.Add(S(ClassAlu | AluMul | SrcK, 4));
        s.Add(S(ClassAlu | AluAdd | SrcK, 8));
        s.Add(S(ClassAlu | AluAdd | SrcX));
        PushLinkHeader((int)LinkType.Ethernet, true, 0, AllocReg());
        s.Add(S(ClassSt, (uint)_offLinkHeader.Reg));
        // A jump inside the block: libpcap turns the optimizer off for it.
        NoOptimize = true;
        s.Add(S(ClassLd | ModeInd | SizeH, 2));
        s.Add(S(ClassLdx | ModeMem, (uint)_offLinkHeader.Reg));
        Stmt proto = S(ClassJmp | JmpJeq | SrcK, EtherTeb);
        s.Add(proto);
        Stmt txa = S(ClassMisc | MiscTxa);
        s.Add(txa);
        proto.JumpTrue = txa;
        s.Add(S(ClassAlu | AluAdd | SrcK, 12));
        s.Add(S(ClassSt, (uint)_offLinkType.Reg));
        s.Add(S(ClassAlu | AluAdd | SrcK, 2));
        s.Add(S(ClassMisc | MiscTax));
        _offLinkPayload = new AbsOffset(0) { Variable = true, Reg = AllocReg() };
        Stmt stx = S(ClassStx, (uint)_offLinkPayload.Reg);
        s.Add(stx);
        proto.JumpFalse = stx;
        _offNl = 0;
        return s;
    }

    /// <summary>VXLAN (libpcap 1.11): UDP port 4789, the I flag, an optional VNI, then an inner Ethernet frame.</summary>
    private Cond Vxlan(uint vni, bool hasVni)
    {
        Cond b0 = TunnelHeader(false, VxlanPort, vni, hasVni, geneve: false);
        Cond b1 = TunnelHeader(true, VxlanPort, vni, hasVni, geneve: false);
        Cond tunnel = Cond.Or(b0, b1);
        var s = new List<Stmt>
        {
            S(ClassAlu | AluAdd | SrcK, _offLinkPayload.Constant + _offNl + 8),
            S(ClassAlu | AluAdd | SrcK, 8),
        };
        PushLinkHeader((int)LinkType.Ethernet, true, 0, AllocReg());
        s.Add(S(ClassSt, (uint)_offLinkHeader.Reg));
        s.Add(S(ClassAlu | AluAdd | SrcK, 12));
        _offLinkType = new AbsOffset(0) { Variable = true, Reg = AllocReg() };
        s.Add(S(ClassSt, (uint)_offLinkType.Reg));
        s.Add(S(ClassAlu | AluAdd | SrcK, 2));
        s.Add(S(ClassMisc | MiscTax));
        _offLinkPayload = new AbsOffset(0) { Variable = true, Reg = AllocReg() };
        s.Add(S(ClassStx, (uint)_offLinkPayload.Reg));
        _offNl = 0;
        Cond offsets = True();
        offsets.Entry.Stmts.InsertRange(0, s);
        Cond result = Cond.And(tunnel, offsets);
        _isEncapsulated = true;
        return result;
    }
}
