using static SlimCap.Reactive.Filters.BpfInstruction;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>Where a field's offset is counted from (libpcap's enum e_offrel).</summary>
internal enum OffsetBase { Packet, LinkHeader, PrevLinkHeader, Llc, PrevMplsHeader, LinkPayload, LinkPayloadNoSnap, LinkType, TransportIpv4, TransportIpv6 }

/// <summary>
/// Generates the flow graph of a parsed expression, following libpcap 1.10's gencode rules (which
/// tests, in which order, at which offsets) so that the programs keep exactly the packets libpcap's
/// keep. State that libpcap keeps in its compiler_state_t lives here: the link-layer offsets that
/// vlan/mpls/pppoes/geneve move, and the scratch-register allocator.
/// </summary>
internal sealed partial class CodeGenerator
{
    private const uint OffsetNotSet = 0xffffffff;
    private const int MemWords = 16;

    private readonly PcapFilterOptions _options;
    private readonly string _expression;
    private int _column;

    private int _linkType, _prevLinkType, _outermostLinkType;
    private AbsOffset _offLinkHeader, _offPrevLinkHeader, _offOutermostLinkHeader, _offLinkPayload, _offLinkType;
    private uint _offNl, _offNlNoSnap;
    private int _labelStackDepth, _vlanStackDepth;
    private bool _isEncapsulated, _isVlanVariableOffset;
    private readonly bool[] _regUsed = new bool[MemWords];
    private int _curReg;

    private CodeGenerator(string expression, PcapFilterOptions options)
    {
        _expression = expression;
        _options = options;
        InitLinkType();
    }

    /// <summary>Whether the program holds a construct the optimizer must not touch (a backward jump or a jump inside a block), as libpcap's no_optimize.</summary>
    public bool NoOptimize { get; private set; }

    /// <summary>Generates the flow graph for <paramref name="root"/> (null: accept everything) and returns its entry block.</summary>
    public static Block Generate(string expression, BoolNode? root, PcapFilterOptions options, out bool noOptimize)
    {
        var gen = new CodeGenerator(expression, options);
        Block entry;
        if (root is null) entry = new Block(ClassRet | SrcK, options.SnapLength);
        else
        {
            Cond c = gen.Emit(root);
            gen.InsertVariableOffsetSetup(c.Entry);
            Cond.Resolve(c.WhenTrue, new Block(ClassRet | SrcK, options.SnapLength));
            Cond.Resolve(c.WhenFalse, new Block(ClassRet | SrcK, 0));
            entry = c.Entry;
        }
        noOptimize = gen.NoOptimize;
        return entry;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Error(string reason) => throw new FilterExpressionException(_expression, _column, reason);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void NameError(string name, string reason) => throw new FilterNameException(_expression, _column, name, reason);

    private void InitLinkType()
    {
        _linkType = _prevLinkType = _outermostLinkType = (int)_options.LinkType;
        _offLinkHeader = _offPrevLinkHeader = _offOutermostLinkHeader = new AbsOffset(0);
        _offLinkPayload = new AbsOffset(0);
        _offLinkType = new AbsOffset(0);
        switch (_options.LinkType)
        {
            case LinkType.Ethernet:
                _offLinkType.Constant = 12;
                _offLinkPayload.Constant = 14;
                _offNl = 0;
                _offNlNoSnap = 3;
                break;
            case LinkType.Null or LinkType.Loop:
                _offLinkType.Constant = 0;
                _offLinkPayload.Constant = 4;
                break;
            case LinkType.Raw or LinkType.Ipv4 or LinkType.Ipv6:
                _offLinkType.Constant = OffsetNotSet;
                _offLinkPayload.Constant = 0;
                break;
            case LinkType.LinuxSll:
                _offLinkType.Constant = 14;
                _offLinkPayload.Constant = 16;
                break;
            case LinkType.LinuxSll2:
                _offLinkType.Constant = 0;
                _offLinkPayload.Constant = 20;
                break;
            default:
                throw new FilterExpressionException(_expression, 0, $"filter expressions are not supported for link type {_options.LinkType} ({(int)_options.LinkType}); supported: Ethernet, Raw, Ipv4, Ipv6, LinuxSll, LinuxSll2, Null, Loop");
        }
    }

    private static string LinkName(int linkType) => (LinkType)linkType switch
    {
        LinkType.Ethernet => "Ethernet",
        LinkType.Null => "BSD loopback",
        LinkType.Loop => "OpenBSD loopback",
        LinkType.Raw => "Raw IP",
        LinkType.Ipv4 => "Raw IPv4",
        LinkType.Ipv6 => "Raw IPv6",
        LinkType.LinuxSll => "Linux cooked v1",
        LinkType.LinuxSll2 => "Linux cooked v2",
        LinkType.Ppp => "PPP",
        _ => $"DLT {linkType}",
    };

    // ---- scratch registers (libpcap's round-robin allocator) ----

    private int AllocReg()
    {
        for (int n = MemWords; --n >= 0;)
        {
            if (_regUsed[_curReg]) _curReg = (_curReg + 1) % MemWords;
            else
            {
                _regUsed[_curReg] = true;
                return _curReg;
            }
        }
        Error("too many registers needed to evaluate expression");
        return -1;
    }

    private void FreeReg(int n) => _regUsed[n] = false;

    // ---- loads and comparisons ----

    private static Stmt S(ushort code, uint k = 0) => new(code, k);

    /// <summary>Statements that put the variable part of <paramref name="off"/> into X, or null when it is constant.</summary>
    private List<Stmt>? VariablePart(ref AbsOffset off)
    {
        if (!off.Variable) return null;
        if (off.Reg == -1) off.Reg = AllocReg();
        return [S(ClassLdx | ModeMem, (uint)off.Reg)];
    }

    private List<Stmt> LoadRelative(ref AbsOffset off, uint offset, ushort size)
    {
        List<Stmt>? s = VariablePart(ref off);
        if (s is not null)
        {
            s.Add(S((ushort)(ClassLd | ModeInd | size), off.Constant + offset));
            return s;
        }
        return [S((ushort)(ClassLd | ModeAbs | size), off.Constant + offset)];
    }

    /// <summary>Loads the field at <paramref name="offset"/> from <paramref name="rel"/> into A (gen_load_a).</summary>
    private List<Stmt> LoadA(OffsetBase rel, uint offset, ushort size)
    {
        switch (rel)
        {
            case OffsetBase.Packet: return [S((ushort)(ClassLd | ModeAbs | size), offset)];
            case OffsetBase.LinkHeader: return LoadRelative(ref _offLinkHeader, offset, size);
            case OffsetBase.PrevLinkHeader: return LoadRelative(ref _offPrevLinkHeader, offset, size);
            case OffsetBase.Llc: return LoadRelative(ref _offLinkPayload, offset, size);
            case OffsetBase.PrevMplsHeader: return LoadRelative(ref _offLinkPayload, _offNl - 4 + offset, size);
            case OffsetBase.LinkPayload: return LoadRelative(ref _offLinkPayload, _offNl + offset, size);
            case OffsetBase.LinkPayloadNoSnap: return LoadRelative(ref _offLinkPayload, _offNlNoSnap + offset, size);
            case OffsetBase.LinkType: return LoadRelative(ref _offLinkType, offset, size);
            case OffsetBase.TransportIpv4:
            {
                List<Stmt> s = LoadXIpHeaderLength();
                s.Add(S((ushort)(ClassLd | ModeInd | size), _offLinkPayload.Constant + _offNl + offset));
                return s;
            }
            default: return LoadRelative(ref _offLinkPayload, _offNl + 40 + offset, size);
        }
    }

    /// <summary>X = IPv4 header length (plus the variable part of the payload offset).</summary>
    private List<Stmt> LoadXIpHeaderLength()
    {
        List<Stmt>? s = VariablePart(ref _offLinkPayload);
        if (s is not null)
        {
            s.Add(S(ClassLd | ModeInd | SizeB, _offLinkPayload.Constant + _offNl));
            s.Add(S(ClassAlu | AluAnd | SrcK, 0xf));
            s.Add(S(ClassAlu | AluLsh | SrcK, 2));
            s.Add(S(ClassAlu | AluAdd | SrcX));
            s.Add(S(ClassMisc | MiscTax));
            return s;
        }
        return [S(ClassLdx | ModeMsh | SizeB, _offLinkPayload.Constant + _offNl)];
    }

    private Cond Ncmp(OffsetBase rel, uint offset, ushort size, uint mask, ushort jump, bool reverse, uint v)
    {
        List<Stmt> s = LoadA(rel, offset, size);
        if (mask != 0xffffffff) s.Add(S(ClassAlu | AluAnd | SrcK, mask));
        Cond b = Cond.Test(s, (ushort)(ClassJmp | jump | SrcK), v);
        if (reverse && (jump == JmpJgt || jump == JmpJge)) b.Not();
        return b;
    }

    private Cond Cmp(OffsetBase rel, uint offset, ushort size, uint v) => Ncmp(rel, offset, size, 0xffffffff, JmpJeq, false, v);

    private Cond CmpGt(OffsetBase rel, uint offset, ushort size, uint v) => Ncmp(rel, offset, size, 0xffffffff, JmpJgt, false, v);

    private Cond CmpGe(OffsetBase rel, uint offset, ushort size, uint v) => Ncmp(rel, offset, size, 0xffffffff, JmpJge, false, v);

    private Cond CmpLe(OffsetBase rel, uint offset, ushort size, uint v) => Ncmp(rel, offset, size, 0xffffffff, JmpJgt, true, v);

    private Cond CmpLt(OffsetBase rel, uint offset, ushort size, uint v) => Ncmp(rel, offset, size, 0xffffffff, JmpJge, true, v);

    private Cond Mcmp(OffsetBase rel, uint offset, ushort size, uint v, uint mask) => Ncmp(rel, offset, size, mask, JmpJeq, false, v);

    /// <summary>Compares <paramref name="bytes"/> at <paramref name="offset"/>: 4-byte words from the end, then a halfword, then a byte (gen_bcmp).</summary>
    private Cond Bcmp(OffsetBase rel, uint offset, ReadOnlySpan<byte> bytes)
    {
        Cond? b = null;
        int size = bytes.Length;
        while (size >= 4)
        {
            ReadOnlySpan<byte> p = bytes.Slice(size - 4, 4);
            Cond t = Cmp(rel, offset + (uint)size - 4, SizeW, (uint)(p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]));
            b = b is null ? t : Cond.And(b, t);
            size -= 4;
        }
        while (size >= 2)
        {
            ReadOnlySpan<byte> p = bytes.Slice(size - 2, 2);
            Cond t = Cmp(rel, offset + (uint)size - 2, SizeH, (uint)(p[0] << 8 | p[1]));
            b = b is null ? t : Cond.And(b, t);
            size -= 2;
        }
        if (size > 0)
        {
            Cond t = Cmp(rel, offset, SizeB, bytes[0]);
            b = b is null ? t : Cond.And(b, t);
        }
        return b!;
    }

    private static Cond Uncond(bool value) =>
        // ld #0 / ld #1 then jeq #0: true exactly when the loaded constant is 0.
        Cond.Test([S(ClassLd | ModeImm, value ? 0u : 1u)], ClassJmp | JmpJeq | SrcK, 0);

    private static Cond True() => Uncond(true);

    private static Cond False() => Uncond(false);

    private static Cond JsetTest(List<Stmt> s, uint k) => Cond.Test(s, ClassJmp | JmpJset | SrcK, k);

    /// <summary>Before the first block: set the VLAN offset registers to 0 when the kernel VLAN test made them variable (insert_compute_vloffsets).</summary>
    private void InsertVariableOffsetSetup(Block root)
    {
        if (!_isVlanVariableOffset) return;
        if (_offLinkPayload.Reg == -1) _offLinkPayload.Reg = AllocReg();
        if (_offLinkType.Reg == -1) _offLinkType.Reg = AllocReg();
        root.Stmts.InsertRange(0, [S(ClassLd | SizeW | ModeImm, 0), S(ClassSt, (uint)_offLinkPayload.Reg), S(ClassSt, (uint)_offLinkType.Reg)]);
    }
}
