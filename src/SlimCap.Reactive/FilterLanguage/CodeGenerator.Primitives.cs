using static SlimCap.Reactive.Filters.BpfInstruction;
using static SlimCap.Reactive.FilterLanguage.Numbers;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.FilterLanguage;

// The tree walk, and the primitives without a qualifier: broadcast, multicast, less/greater, direction, ifindex.
internal sealed partial class CodeGenerator
{
    private static readonly byte[] EtherBroadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    private Cond Emit(BoolNode node)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case AndNode a:
            {
                Cond l = Emit(a.Left);
                Cond r = Emit(a.Right);
                return Cond.And(l, r);
            }
            case OrNode o:
            {
                Cond l = Emit(o.Left);
                Cond r = Emit(o.Right);
                return Cond.Or(l, r);
            }
            case NotNode n:
                return Emit(n.Operand).Not();
            case IdNode id:
                _column = id.ValueColumn;
                return Id(id);
            case ProtoNode p:
                _column = p.Column;
                return ProtoAbbrev(p.Proto);
            case RelationNode r:
                return Relation(r);
            case LlcNode l:
                _column = l.Column;
                return Llc(l);
            case UnsupportedNode u:
                _column = u.Column;
                Error(u.Reason);
                return null!;
            case PrimitiveNode p:
                _column = p.Column;
                return Primitive(p);
            default:
                throw new InvalidOperationException(node.GetType().Name);
        }
    }

    private Cond Primitive(PrimitiveNode p)
    {
        switch (p.Kind)
        {
            case TokenKind.Broadcast: return Broadcast(p.Proto);
            case TokenKind.Multicast: return Multicast(p.Proto);
            case TokenKind.LessKeyword: return LengthTest(JmpJgt, p.Number).Not();
            case TokenKind.GreaterKeyword: return LengthTest(JmpJge, p.Number);
            case TokenKind.Byte: return ByteOp(p.Operator, p.Number, p.Value);
            case TokenKind.Inbound or TokenKind.Outbound: return Direction(p.Kind == TokenKind.Outbound);
            case TokenKind.Ifindex: return Ifindex(p.Number);
            case TokenKind.Vlan: return Vlan(p.Number, p.HasNumber);
            case TokenKind.Mpls: return Mpls(p.Number, p.HasNumber);
            case TokenKind.Pppoed: return LinkTypeTest(EtherPppoeD);
            case TokenKind.Pppoes: return Pppoes(p.Number, p.HasNumber);
            case TokenKind.Geneve: return Geneve(p.Number, p.HasNumber);
            case TokenKind.Vxlan: return Vxlan(p.Number, p.HasNumber);
            default: throw new InvalidOperationException(p.Kind.ToString());
        }
    }

    private Cond Broadcast(int proto)
    {
        switch (proto)
        {
            case Q.Default or Q.Link:
                if (_linkType != (int)LinkType.Ethernet) Error("not a broadcast link");
                return EtherHost(EtherBroadcast, Q.Dst, "not a broadcast link");
            case Q.Ip:
            {
                if (_options.Netmask == PcapFilterOptions.NetmaskUnknown) Error("netmask not known, so 'ip broadcast' not supported");
                Cond b0 = LinkTypeTest(EtherIp);
                uint hostMask = ~_options.Netmask;
                Cond b1 = Mcmp(OffsetBase.LinkPayload, 16, SizeW, 0, hostMask);
                Cond b2 = Cond.Or(b1, Mcmp(OffsetBase.LinkPayload, 16, SizeW, hostMask, hostMask));
                return Cond.And(b0, b2);
            }
        }
        Error("only link-layer/IP broadcast filters supported");
        return null!;
    }

    private Cond Multicast(int proto)
    {
        switch (proto)
        {
            case Q.Default or Q.Link:
            {
                if (_linkType != (int)LinkType.Ethernet) break;
                Cond? prev = PrevLinkHeaderCheck();
                Cond b0 = JsetTest(LoadA(OffsetBase.LinkHeader, 0, SizeB), 1);
                return prev is null ? b0 : Cond.And(prev, b0);
            }
            case Q.Ip:
            {
                Cond b0 = LinkTypeTest(EtherIp);
                return Cond.And(b0, CmpGe(OffsetBase.LinkPayload, 16, SizeB, 224));
            }
            case Q.Ipv6:
            {
                Cond b0 = LinkTypeTest(EtherIpv6);
                return Cond.And(b0, Cmp(OffsetBase.LinkPayload, 24, SizeB, 255));
            }
        }
        Error("link-layer multicast filters supported only on ethernet/FDDI/token ring/ARCNET/802.11/ATM LANE/Fibre Channel");
        return null!;
    }

    private Cond Direction(bool outbound)
    {
        switch ((LinkType)_linkType)
        {
            case LinkType.LinuxSll:
            {
                Cond b = Cmp(OffsetBase.LinkHeader, 0, SizeH, 4);
                return outbound ? b : b.Not();
            }
            case LinkType.LinuxSll2:
            {
                Cond b = Cmp(OffsetBase.LinkHeader, 10, SizeB, 4);
                return outbound ? b : b.Not();
            }
        }
        if (!_options.LinuxKernel) Error($"inbound/outbound not supported on {LinkName(_linkType)} when reading savefiles");
        Cond k = Cmp(OffsetBase.LinkHeader, AncillaryPacketType, SizeH, 4);
        return outbound ? k : k.Not();
    }

    private Cond Ifindex(uint index)
    {
        if (_linkType == (int)LinkType.LinuxSll2) return Cmp(OffsetBase.LinkHeader, 4, SizeW, index);
        if (!_options.LinuxKernel) Error($"ifindex not supported on {LinkName(_linkType)} when reading savefiles");
        return Cmp(OffsetBase.LinkHeader, AncillaryBase + 8, SizeW, index);
    }
}
