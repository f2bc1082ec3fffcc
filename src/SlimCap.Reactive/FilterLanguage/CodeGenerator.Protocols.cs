using static SlimCap.Reactive.Filters.BpfInstruction;
using static SlimCap.Reactive.FilterLanguage.Numbers;

namespace SlimCap.Reactive.FilterLanguage;

// Protocol tests: bare protocol names, "proto N" and "protochain N".
internal sealed partial class CodeGenerator
{
    private Cond ProtoAbbrev(int proto) => proto switch
    {
        Q.Sctp => Proto(IpProtoSctp, Q.Default, Q.Default),
        Q.Tcp => Proto(IpProtoTcp, Q.Default, Q.Default),
        Q.Udp => Proto(IpProtoUdp, Q.Default, Q.Default),
        Q.Icmp => Proto(IpProtoIcmp, Q.Ip, Q.Default),
        Q.Igmp => Proto(IpProtoIgmp, Q.Ip, Q.Default),
        Q.Igrp => Proto(IpProtoIgrp, Q.Ip, Q.Default),
        Q.Pim => Proto(IpProtoPim, Q.Default, Q.Default),
        Q.Vrrp or Q.Carp => Proto(IpProtoVrrp, Q.Ip, Q.Default),
        Q.Ip => LinkTypeTest(EtherIp),
        Q.Arp => LinkTypeTest(EtherArp),
        Q.Rarp => LinkTypeTest(EtherRevArp),
        Q.Atalk => LinkTypeTest(EtherAtalk),
        Q.Aarp => LinkTypeTest(EtherAarp),
        Q.Decnet => LinkTypeTest(EtherDecnet),
        Q.Sca => LinkTypeTest(EtherSca),
        Q.Lat => LinkTypeTest(EtherLat),
        Q.MopDl => LinkTypeTest(EtherMopDl),
        Q.MopRc => LinkTypeTest(EtherMopRc),
        Q.Ipv6 => LinkTypeTest(EtherIpv6),
        Q.Icmpv6 => Proto(IpProtoIcmpv6, Q.Ipv6, Q.Default),
        Q.Ah => Proto(IpProtoAh, Q.Default, Q.Default),
        Q.Esp => Proto(IpProtoEsp, Q.Default, Q.Default),
        Q.Iso => LinkTypeTest(LlcSapIsoNs),
        Q.Esis => Proto(IsoEsis, Q.Iso, Q.Default),
        Q.Isis => Proto(IsoIsis, Q.Iso, Q.Default),
        Q.IsisL1 => AnyIsis(IsisL1LanIih, IsisPtpIih, IsisL1Lsp, IsisL1Csnp, IsisL1Psnp),
        Q.IsisL2 => AnyIsis(IsisL2LanIih, IsisPtpIih, IsisL2Lsp, IsisL2Csnp, IsisL2Psnp),
        Q.IsisIih => AnyIsis(IsisL1LanIih, IsisL2LanIih, IsisPtpIih),
        Q.IsisLsp => AnyIsis(IsisL1Lsp, IsisL2Lsp),
        Q.IsisSnp => AnyIsis(IsisL1Csnp, IsisL2Csnp, IsisL1Psnp, IsisL2Psnp),
        Q.IsisCsnp => AnyIsis(IsisL1Csnp, IsisL2Csnp),
        Q.IsisPsnp => AnyIsis(IsisL1Psnp, IsisL2Psnp),
        Q.Clnp => Proto(IsoClnp, Q.Iso, Q.Default),
        Q.Stp => LinkTypeTest(LlcSap8021D),
        Q.Ipx => LinkTypeTest(LlcSapIpx),
        Q.Netbeui => LinkTypeTest(LlcSapNetbeui),
        Q.Link => Fail("link layer applied in wrong context"),
        _ => Fail("'radio' is not a valid protocol type"),
    };

    private Cond Fail(string reason)
    {
        Error(reason);
        return null!;
    }

    /// <summary>IS-IS PDU types or-ed: the first two in order, each later one tried before the rest (libpcap's gen_or(b0, b1) chain).</summary>
    private Cond AnyIsis(params uint[] types)
    {
        Cond b0 = Proto(types[0], Q.Isis, Q.Default);
        Cond b1 = Cond.Or(b0, Proto(types[1], Q.Isis, Q.Default));
        for (int i = 2; i < types.Length; i++) b1 = Cond.Or(Proto(types[i], Q.Isis, Q.Default), b1);
        return b1;
    }

    private Cond Proto(uint v, int proto, int dir)
    {
        if (dir != Q.Default) Error("direction applied to 'proto'");
        switch (proto)
        {
            case Q.Default:
            {
                Cond b0 = Proto(v, Q.Ip, dir);
                return Cond.Or(b0, Proto(v, Q.Ipv6, dir));
            }
            case Q.Link:
                return LinkTypeTest(v);
            case Q.Ip:
            {
                Cond b0 = LinkTypeTest(EtherIp);
                return Cond.And(b0, Cmp(OffsetBase.LinkPayload, 9, SizeB, v));
            }
            case Q.Ipv6:
            {
                Cond b0 = LinkTypeTest(EtherIpv6);
                Cond b2 = Cmp(OffsetBase.LinkPayload, 6, SizeB, IpProtoFragment);
                Cond b1 = Cond.And(b2, Cmp(OffsetBase.LinkPayload, 40, SizeB, v));
                b1 = Cond.Or(Cmp(OffsetBase.LinkPayload, 6, SizeB, v), b1);
                return Cond.And(b0, b1);
            }
            case Q.Iso:
            {
                Cond b0 = LinkTypeTest(LlcSapIsoNs);
                return Cond.And(b0, Cmp(OffsetBase.LinkPayloadNoSnap, 0, SizeB, v));
            }
            case Q.Isis:
            {
                Cond b0 = Proto(IsoIsis, Q.Iso, Q.Default);
                return Cond.And(b0, Cmp(OffsetBase.LinkPayloadNoSnap, 4, SizeB, v));
            }
            case Q.Arp: Error("arp does not encapsulate another protocol"); break;
            case Q.Rarp: Error("rarp does not encapsulate another protocol"); break;
            case Q.Atalk: Error("AppleTalk encapsulation is not specifiable"); break;
            case Q.Decnet: Error("DECNET encapsulation is not specifiable"); break;
            case Q.Lat: Error("LAT does not encapsulate another protocol"); break;
            case Q.Sca: Error("SCA does not encapsulate another protocol"); break;
            case Q.MopRc: Error("MOPRC does not encapsulate another protocol"); break;
            case Q.MopDl: Error("MOPDL does not encapsulate another protocol"); break;
            case Q.Clnp: Error("'clnp proto' is not supported"); break;
        }
        Error($"'{Q.NameOf(proto)} proto' is bogus");
        return null!;
    }

    /// <summary>protochain: walks IPv6 extension headers and AH in a loop with a backward jump, as libpcap does (unoptimized).</summary>
    private Cond ProtoChain(uint v, int proto)
    {
        int reg2 = AllocReg();
        switch (proto)
        {
            case Q.Ip or Q.Ipv6: break;
            case Q.Default:
            {
                Cond v4 = ProtoChain(v, Q.Ip);
                return Cond.Or(v4, ProtoChain(v, Q.Ipv6));
            }
            default:
                Error("bad protocol applied for 'protochain'");
                break;
        }
        if (_offLinkPayload.Variable) Error("'protochain' not supported with variable length headers");
        NoOptimize = true;

        uint nl = _offLinkPayload.Constant + _offNl;
        var s = new List<Stmt>();
        Cond b0Link;
        if (proto == Q.Ip)
        {
            b0Link = LinkTypeTest(EtherIp);
            s.Add(S(ClassLd | ModeAbs | SizeB, nl + 9));
            s.Add(S(ClassLdx | ModeMsh | SizeB, nl));
        }
        else
        {
            b0Link = LinkTypeTest(EtherIpv6);
            s.Add(S(ClassLd | ModeAbs | SizeB, nl + 6));
            s.Add(S(ClassLdx | ModeImm, 40));
        }
        int again = s.Count;
        Stmt fix5 = Add(s, S(ClassJmp | JmpJeq | SrcK, v));
        Stmt fix2 = Add(s, S(ClassJmp | JmpJeq | SrcK, IpProtoNone));
        fix5.JumpFalse = fix2;
        Stmt? fix3 = null;
        if (proto == Q.Ipv6)
        {
            var v6 = new List<Stmt>
            {
                Add(s, S(ClassJmp | JmpJeq | SrcK, IpProtoHopOpts)),
                Add(s, S(ClassJmp | JmpJeq | SrcK, IpProtoDstOpts)),
                Add(s, S(ClassJmp | JmpJeq | SrcK, IpProtoRouting)),
                Add(s, S(ClassJmp | JmpJeq | SrcK, IpProtoFragment)),
            };
            fix2.JumpFalse = v6[0];
            for (int j = 0; j < 3; j++) v6[j].JumpFalse = v6[j + 1];
            fix3 = v6[3];
            Stmt advance = Add(s, S(ClassLd | ModeInd | SizeB, nl));
            Add(s, S(ClassSt, (uint)reg2));
            Add(s, S(ClassLd | ModeInd | SizeB, nl + 1));
            Add(s, S(ClassAlu | AluAdd | SrcK, 1));
            Add(s, S(ClassAlu | AluMul | SrcK, 8));
            Add(s, S(ClassAlu | AluAdd | SrcX));
            Add(s, S(ClassMisc | MiscTax));
            Add(s, S(ClassLd | ModeMem, (uint)reg2));
            Add(s, S(ClassJmp | JmpJa, unchecked((uint)(again - s.Count - 1))));
            foreach (Stmt t in v6) t.JumpTrue = advance;
        }
        else
        {
            fix2.JumpFalse = Add(s, S(ClassAlu | AluAdd | SrcK, 0));
        }
        Stmt fix4 = Add(s, S(ClassJmp | JmpJeq | SrcK, IpProtoAh));
        if (fix3 is not null) fix3.JumpFalse = fix4;
        fix4.JumpTrue = Add(s, S(ClassMisc | MiscTxa));
        Add(s, S(ClassLd | ModeInd | SizeB, nl));
        Add(s, S(ClassSt, (uint)reg2));
        Add(s, S(ClassMisc | MiscTxa));
        Add(s, S(ClassAlu | AluAdd | SrcK, 1));
        Add(s, S(ClassMisc | MiscTax));
        Add(s, S(ClassLd | ModeInd | SizeB, nl));
        Add(s, S(ClassAlu | AluAdd | SrcK, 2));
        Add(s, S(ClassAlu | AluMul | SrcK, 4));
        Add(s, S(ClassMisc | MiscTax));
        Add(s, S(ClassLd | ModeMem, (uint)reg2));
        Add(s, S(ClassJmp | JmpJa, unchecked((uint)(again - s.Count - 1))));
        Stmt end = Add(s, S(ClassAlu | AluAdd | SrcK, 0));
        fix2.JumpTrue = end;
        fix4.JumpFalse = end;
        fix5.JumpTrue = end;

        Cond b = Cond.Test(s, ClassJmp | JmpJeq | SrcK, v);
        FreeReg(reg2);
        return Cond.And(b0Link, b);

        static Stmt Add(List<Stmt> list, Stmt st)
        {
            list.Add(st);
            return st;
        }
    }

    /// <summary>A protocol name after "proto"/"protochain" (lookup_proto).</summary>
    private int LookupProto(string name, int proto)
    {
        switch (proto)
        {
            case Q.Default or Q.Ip or Q.Ipv6:
            {
                int v = NameTables.Protocol(name);
                if (v < 0) NameError(name, $"unknown ip proto '{name}'");
                return v;
            }
            case Q.Link:
            {
                int v = NameTables.EtherProtocol(name);
                if (v < 0) v = NameTables.LlcProtocol(name);
                if (v < 0) NameError(name, $"unknown ether proto '{name}'");
                return v;
            }
            case Q.Iso:
                return name switch
                {
                    "esis" => (int)IsoEsis,
                    "isis" => (int)IsoIsis,
                    "clnp" => (int)IsoClnp,
                    _ => NameFail(name, $"unknown osi proto '{name}'"),
                };
            default:
                return -1;
        }
    }

    private int NameFail(string name, string reason)
    {
        NameError(name, reason);
        return -1;
    }
}
