using static SlimCap.Reactive.Filters.BpfInstruction;

namespace SlimCap.Reactive.FilterLanguage;

// Liveness of A, X and M[] (bit r of a mask is register r of Regs), dead-statement removal and the branch peepholes.
internal sealed partial class Optimizer
{
    private Dictionary<Block, int> _liveIn = new(ReferenceEqualityComparer.Instance);

    private const int AllRegs = (1 << Regs.Count) - 1;

    private static int Bit(int r) => 1 << r;

    /// <summary>Registers read and written by a statement.</summary>
    private static (int Uses, int Defs) UseDef(Stmt s)
    {
        ushort cls = (ushort)(s.Code & 0x07), mode = (ushort)(s.Code & 0xe0);
        switch (cls)
        {
            case ClassLd:
                return (mode == ModeInd ? Bit(Regs.X) : mode == ModeMem ? Bit(Regs.Mem(s.K)) : 0, Bit(Regs.A));
            case ClassLdx:
                return (mode == ModeMem ? Bit(Regs.Mem(s.K)) : 0, Bit(Regs.X));
            case ClassSt: return (Bit(Regs.A), Bit(Regs.Mem(s.K)));
            case ClassStx: return (Bit(Regs.X), Bit(Regs.Mem(s.K)));
            case ClassAlu:
                if ((s.Code & 0xf0) == AluNeg) return (Bit(Regs.A), Bit(Regs.A));
                return (Bit(Regs.A) | ((s.Code & SrcX) != 0 ? Bit(Regs.X) : 0), Bit(Regs.A));
            case ClassMisc:
                return (s.Code & 0xf8) == MiscTxa ? (Bit(Regs.X), Bit(Regs.A)) : (Bit(Regs.A), Bit(Regs.X));
            default:
                return (AllRegs, 0);
        }
    }

    private static int BranchUses(Block b)
    {
        if (b.IsReturn) return (b.Code & 0x18) == SrcA ? Bit(Regs.A) : 0;
        if (b.True == b.False) return 0;
        return Bit(Regs.A) | ((b.Code & SrcX) != 0 ? Bit(Regs.X) : 0);
    }

    private int LiveOut(Block b) =>
        (b.True is null ? 0 : _liveIn.GetValueOrDefault(b.True)) | (b.False is null ? 0 : _liveIn.GetValueOrDefault(b.False));

    private void ComputeLiveness()
    {
        _liveIn = new Dictionary<Block, int>(ReferenceEqualityComparer.Instance);
        for (int i = _order.Count - 1; i >= 0; i--)
        {
            Block b = _order[i];
            if (b.HasInnerJumps)
            {
                _liveIn[b] = AllRegs;
                continue;
            }
            int live = LiveOut(b) | BranchUses(b);
            for (int j = b.Stmts.Count - 1; j >= 0; j--)
            {
                (int uses, int defs) = UseDef(b.Stmts[j]);
                live = (live & ~defs) | uses;
            }
            _liveIn[b] = live;
        }
    }

    /// <summary>Whether <paramref name="s"/> can stop the program (a load past the captured bytes, a division by a zero X).</summary>
    private bool MayFail(Stmt s, int[] state, HashSet<int> loaded, ulong minLength)
    {
        ushort cls = (ushort)(s.Code & 0x07), mode = (ushort)(s.Code & 0xe0), size = (ushort)(s.Code & 0x18);
        if (cls == ClassAlu)
        {
            ushort op = (ushort)(s.Code & 0xf0);
            return op is AluDiv or AluMod && (s.Code & SrcX) != 0 && !(_vn.IsConstant(state[Regs.X], out uint x) && x != 0);
        }
        if (cls is not (ClassLd or ClassLdx)) return false;
        switch (mode)
        {
            case ModeAbs: return (ulong)s.K + Width(size) > minLength && !loaded.Contains(_vn.Of(OpLoad, size, s.K));
            case ModeMsh: return (ulong)s.K + 1 > minLength && !loaded.Contains(_vn.Of(OpMsh, s.K, 0));
            case ModeInd: return !loaded.Contains(_vn.Of(OpLoadIndexed, (long)size << 32 | s.K, state[Regs.X]));
            default: return false;
        }
    }

    /// <summary>
    /// Per block: the least captured length that every path from its entry to an accepting return requires
    /// through its loads (ulong.MaxValue when no path accepts). A load past the captured bytes drops the packet, so a
    /// dead load needing no more than that can go: a later load would drop the packet all the same.
    /// </summary>
    private Dictionary<Block, ulong> _needIn = new(ReferenceEqualityComparer.Instance);

    private static ulong Requirement(Stmt s)
    {
        ushort cls = (ushort)(s.Code & 0x07), mode = (ushort)(s.Code & 0xe0), size = (ushort)(s.Code & 0x18);
        if (cls is not (ClassLd or ClassLdx)) return 0;
        return mode switch
        {
            ModeAbs or ModeInd => (ulong)s.K + Width(size),
            ModeMsh => (ulong)s.K + 1,
            _ => 0,
        };
    }

    private ulong NeedOut(Block b)
    {
        if (b.IsReturn) return (b.Code & 0x18) == SrcA || b.K != 0 ? 0 : ulong.MaxValue;
        return Math.Min(_needIn[b.True!], _needIn[b.False!]);
    }

    private void ComputeNeed()
    {
        _needIn = new Dictionary<Block, ulong>(ReferenceEqualityComparer.Instance);
        for (int i = _order.Count - 1; i >= 0; i--)
        {
            Block b = _order[i];
            ulong need = NeedOut(b);
            // Inside a block with jumps not every statement runs on every path: count none of them.
            if (!b.HasInnerJumps)
                for (int j = b.Stmts.Count - 1; j >= 0; j--) need = Math.Max(need, Requirement(b.Stmts[j]));
            _needIn[b] = need;
        }
    }

    /// <summary>A block from which every path returns 0 (or stops on a failed load, which also returns 0) is just <c>ret #0</c>.</summary>
    private void CollapseRejectingBlocks()
    {
        ComputeNeed();
        Block? reject = _order.FirstOrDefault(b => b.IsReturn && (b.Code & 0x18) != SrcA && b.K == 0);
        if (reject is null) return;
        foreach (Block b in _order)
        {
            if (b.IsReturn) continue;
            if (b.True != reject && _needIn[b.True!] == ulong.MaxValue && NeverAccepts(b.True!)) Redirect(b, b.True!, reject);
            if (b.False != reject && _needIn[b.False!] == ulong.MaxValue && NeverAccepts(b.False!)) Redirect(b, b.False!, reject);
        }
        if (!_root.IsReturn && _needIn[_root] == ulong.MaxValue && NeverAccepts(_root))
        {
            _root = reject;
            _changed = true;
        }
    }

    private bool NeverAccepts(Block b) => _needIn[b] == ulong.MaxValue;

    private void RemoveDeadStatements()
    {
        ComputeLiveness();
        ComputeNeed();
        foreach (Block b in _order)
        {
            if (b.HasInnerJumps) continue;
            BlockFacts f = _facts[b];
            int live = LiveOut(b) | BranchUses(b);
            Peephole(b, ref live);
            // Forward: which statements could stop the program, given what is known on entry.
            int[] state = (int[])f.Entry.Clone();
            var loaded = new HashSet<int>(f.LoadedIn);
            ulong minLength = f.MinLengthIn;
            var mayFail = new bool[b.Stmts.Count];
            for (int i = 0; i < b.Stmts.Count; i++)
            {
                mayFail[i] = MayFail(b.Stmts[i], state, loaded, minLength);
                Step(b.Stmts[i], state, rewrite: false, loaded, ref minLength);
            }
            ulong need = NeedOut(b);
            for (int j = b.Stmts.Count - 1; j >= 0; j--)
            {
                (int uses, int defs) = UseDef(b.Stmts[j]);
                ulong requirement = Requirement(b.Stmts[j]);
                bool covered = requirement > 0 && requirement <= need && (b.Stmts[j].Code & 0xe0) != ModeInd;
                need = Math.Max(need, requirement);
                if ((defs & live) == 0 && defs != 0 && (!mayFail[j] || covered))
                {
                    b.Stmts[j].Code = Nop;
                    _changed = true;
                    continue;
                }
                live = (live & ~defs) | uses;
            }
            b.Stmts.RemoveAll(s => s.Code == Nop);
        }
    }

    /// <summary><c>and #k; jeq #0</c> becomes <c>jset #k</c> (branches swapped), <c>sub #k; jeq #0</c> becomes <c>jeq #k</c>, when A is dead after the branch.</summary>
    private void Peephole(Block b, ref int live)
    {
        if (b.IsReturn || b.True == b.False || b.Stmts.Count == 0) return;
        if ((LiveOut(b) & Bit(Regs.A)) != 0) return;
        if (b.Code != (ClassJmp | JmpJeq | SrcK) || b.K != 0) return;
        Stmt last = b.Stmts[^1];
        if (last.Code == (ClassAlu | AluAnd | SrcK))
        {
            b.Code = ClassJmp | JmpJset | SrcK;
            b.K = last.K;
            (b.True, b.False) = (b.False, b.True);
        }
        else if (last.Code == (ClassAlu | AluSub | SrcK)) b.K = last.K;
        else if (last.Code == (ClassAlu | AluSub | SrcX)) b.Code = ClassJmp | JmpJeq | SrcX;
        else return;
        b.Stmts.RemoveAt(b.Stmts.Count - 1);
        live = LiveOut(b) | BranchUses(b);
        _changed = true;
    }
}
