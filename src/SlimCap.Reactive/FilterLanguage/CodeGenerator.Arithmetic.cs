using static SlimCap.Reactive.Filters.BpfInstruction;

namespace SlimCap.Reactive.FilterLanguage;

// Arithmetic, packet accessors and relations. Every intermediate value lives in a scratch register, as in
// libpcap's unoptimized code; the optimizer removes the stores and loads that are not needed.
internal sealed partial class CodeGenerator
{
    private Arth EmitArth(ArthNode node)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case NumberNode n: return LoadImmediate(n.Value);
            case LengthNode:
            {
                int reg = AllocReg();
                return new Arth([S(ClassLd | ModeLen), S(ClassSt, (uint)reg)], reg);
            }
            case LoadNode l:
            {
                Arth index = EmitArth(l.Index);
                _column = l.Column;
                return Load(l.Proto, index, l.Size, l.SizeColumn);
            }
            case NegateNode neg:
            {
                Arth a = EmitArth(neg.Operand);
                a.Stmts.Add(S(ClassLd | ModeMem, (uint)a.Reg));
                a.Stmts.Add(S(ClassAlu | AluNeg));
                a.Stmts.Add(S(ClassSt, (uint)a.Reg));
                return a;
            }
            case BinaryNode b:
            {
                Arth a0 = EmitArth(b.Left);
                Arth a1 = EmitArth(b.Right);
                _column = b.Column;
                return Binary(b.Op, a0, a1);
            }
            default:
                throw new InvalidOperationException(node.GetType().Name);
        }
    }

    private Arth LoadImmediate(uint value)
    {
        int reg = AllocReg();
        return new Arth([S(ClassLd | ModeImm, value), S(ClassSt, (uint)reg)], reg);
    }

    private Arth Binary(ushort op, Arth a0, Arth a1)
    {
        bool immediate = a1.Stmts[0].Code == (ClassLd | ModeImm);
        if (op == AluDiv && immediate && a1.Stmts[0].K == 0) Error("division by zero");
        if (op == AluMod && immediate && a1.Stmts[0].K == 0) Error("modulus by zero");
        if (op is AluLsh or AluRsh && immediate && a1.Stmts[0].K > 31) Error("shift by more than 31 bits");
        a0.Stmts.AddRange(a1.Stmts);
        a0.Stmts.Add(S(ClassLdx | ModeMem, (uint)a1.Reg));
        a0.Stmts.Add(S(ClassLd | ModeMem, (uint)a0.Reg));
        a0.Stmts.Add(S((ushort)(ClassAlu | SrcX | op)));
        FreeReg(a0.Reg);
        FreeReg(a1.Reg);
        a0.Reg = AllocReg();
        a0.Stmts.Add(S(ClassSt, (uint)a0.Reg));
        // libpcap's gen_arth keeps only the left operand's protocol tests; the right one's are dropped.
        return a0;
    }

    private static Cond? MergeChecks(Cond? a, Cond? b) => a is null ? b : b is null ? a : Cond.And(a, b);

    /// <summary><c>proto[index:size]</c> (gen_load): the value at the offset <paramref name="inst"/> computes, from the protocol's header, guarded by the protocol test.</summary>
    private Arth Load(int proto, Arth inst, uint size, int sizeColumn)
    {
        int regno = AllocReg();
        FreeReg(inst.Reg);
        ushort sizeCode = size switch { 1 => SizeB, 2 => SizeH, 4 => SizeW, _ => 0xffff };
        if (sizeCode == 0xffff)
        {
            _column = sizeColumn;
            Error("data size must be 1, 2, or 4");
        }
        switch (proto)
        {
            case Q.Radio:
                Error("radio information not present in capture");
                break;
            case Q.Link:
            {
                List<Stmt> s = IndexIntoX(ref _offLinkHeader, inst.Reg);
                s.Add(S((ushort)(ClassLd | ModeInd | sizeCode), _offLinkHeader.Constant));
                inst.Stmts.AddRange(s);
                break;
            }
            case Q.Ip or Q.Arp or Q.Rarp or Q.Atalk or Q.Decnet or Q.Sca or Q.Lat or Q.MopRc or Q.MopDl or Q.Ipv6:
            {
                List<Stmt> s = IndexIntoX(ref _offLinkPayload, inst.Reg);
                s.Add(S((ushort)(ClassLd | ModeInd | sizeCode), _offLinkPayload.Constant + _offNl));
                inst.Stmts.AddRange(s);
                Cond b = ProtoAbbrev(proto);
                inst.Checks = inst.Checks is null ? b : Cond.And(inst.Checks, b);
                break;
            }
            case Q.Sctp or Q.Tcp or Q.Udp or Q.Icmp or Q.Igmp or Q.Igrp or Q.Pim or Q.Vrrp or Q.Carp:
            {
                List<Stmt> s = LoadXIpHeaderLength();
                s.Add(S(ClassLd | ModeMem, (uint)inst.Reg));
                s.Add(S(ClassAlu | AluAdd | SrcX));
                s.Add(S(ClassMisc | MiscTax));
                s.Add(S((ushort)(ClassLd | ModeInd | sizeCode), _offLinkPayload.Constant + _offNl));
                inst.Stmts.AddRange(s);
                Cond b = Cond.And(ProtoAbbrev(proto), IpFirstFragment());
                if (inst.Checks is not null) b = Cond.And(inst.Checks, b);
                inst.Checks = Cond.And(ProtoAbbrev(Q.Ip), b);
                break;
            }
            case Q.Icmpv6:
            {
                Cond b = ProtoAbbrev(Q.Ipv6);
                inst.Checks = inst.Checks is null ? b : Cond.And(inst.Checks, b);
                inst.Checks = Cond.And(inst.Checks, Cmp(OffsetBase.LinkPayload, 6, SizeB, Numbers.IpProtoIcmpv6));
                List<Stmt> s = IndexIntoX(ref _offLinkPayload, inst.Reg);
                s.Add(S((ushort)(ClassLd | ModeInd | sizeCode), _offLinkPayload.Constant + _offNl + 40));
                inst.Stmts.AddRange(s);
                break;
            }
            default:
                Error("unsupported index operation");
                break;
        }
        inst.Reg = regno;
        inst.Stmts.Add(S(ClassSt, (uint)regno));
        return inst;
    }

    /// <summary>X = the index computed into <paramref name="reg"/>, plus the variable part of <paramref name="off"/> when it has one.</summary>
    private List<Stmt> IndexIntoX(ref AbsOffset off, int reg)
    {
        List<Stmt>? s = VariablePart(ref off);
        if (s is null) return [S(ClassLdx | ModeMem, (uint)reg)];
        s.Add(S(ClassLd | ModeMem, (uint)reg));
        s.Add(S(ClassAlu | AluAdd | SrcX));
        s.Add(S(ClassMisc | MiscTax));
        return s;
    }

    private Cond Relation(RelationNode r)
    {
        Arth a0 = EmitArth(r.Left);
        Arth a1 = EmitArth(r.Right);
        _column = r.Column;
        var s1 = new List<Stmt> { S(ClassLdx | ModeMem, (uint)a1.Reg), S(ClassLd | ModeMem, (uint)a0.Reg) };
        Cond b;
        if (r.Jump == JmpJeq)
        {
            s1.Add(S(ClassAlu | AluSub | SrcX));
            b = Cond.Test([.. a0.Stmts, .. a1.Stmts, .. s1], ClassJmp | JmpJeq | SrcK, 0);
        }
        else b = Cond.Test([.. a0.Stmts, .. a1.Stmts, .. s1], (ushort)(ClassJmp | r.Jump | SrcX), 0);
        if (r.Reversed) b.Not();
        FreeReg(a0.Reg);
        FreeReg(a1.Reg);
        Cond? checks = MergeChecks(a0.Checks, a1.Checks);
        return checks is null ? b : Cond.And(checks, b);
    }

    private static Cond LengthTest(ushort jump, uint n) => Cond.Test([S(ClassLd | ModeLen)], (ushort)(ClassJmp | jump | SrcK), n);

    /// <summary><c>byte N op V</c>, relative to the link-layer header. For '&amp;' and '|' libpcap tests the accumulator without loading the byte; so does this.</summary>
    private Cond ByteOp(char op, uint idx, uint val)
    {
        switch (op)
        {
            case '=': return Cmp(OffsetBase.LinkHeader, idx, SizeB, val);
            case '<': return CmpLt(OffsetBase.LinkHeader, idx, SizeB, val);
            case '>': return CmpGt(OffsetBase.LinkHeader, idx, SizeB, val);
            default:
                Stmt s = S((ushort)(ClassAlu | (op == '|' ? AluOr : AluAnd) | SrcK), val);
                return Cond.Test([s], ClassJmp | JmpJeq | SrcK, 0).Not();
        }
    }
}
