using static SlimCap.Reactive.Filters.BpfInstruction;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>What the forward analysis knows at one block.</summary>
internal sealed class BlockFacts
{
    public int[] Entry = new int[Regs.Count];
    public int[] Exit = new int[Regs.Count];
    /// <summary>Outcomes of tests known to hold on entry: (value, jump op, operand value) to result.</summary>
    public Dictionary<(int A, int Op, int Operand), bool> Known = new();
    /// <summary>Value numbers of packet loads that succeeded on every path to the exit.</summary>
    public HashSet<int> Loaded = [];
    /// <summary>The captured length is at least this on every path to the exit (from the loads that succeeded).</summary>
    public ulong MinLengthIn, MinLengthOut;
    public HashSet<int> LoadedIn = [];
    public int BranchValue, BranchOperand;
}

// Value numbering: register contents per block, statement simplification and branch decisions.
internal sealed partial class Optimizer
{
    private const ushort Nop = 0xffff;

    // Value-number operation codes for values that are not constants.
    private const int OpLoad = 1, OpLoadIndexed = 2, OpMsh = 3, OpLen = 4, OpAlu = 5, OpNeg = 6;

    private void Analyze(bool rewrite)
    {
        Order();
        _vn = new ValueNumbers();
        _facts = new Dictionary<Block, BlockFacts>(ReferenceEqualityComparer.Instance);
        foreach (Block b in _order)
        {
            var f = new BlockFacts();
            _facts[b] = f;
            List<(Block Pred, bool OnTrue)> preds = _preds[b];
            if (preds.Count == 0)
            {
                for (int r = 0; r < Regs.Count; r++) f.Entry[r] = _vn.Fresh();
            }
            else
            {
                BlockFacts first = _facts[preds[0].Pred];
                for (int r = 0; r < Regs.Count; r++)
                {
                    int v = first.Exit[r];
                    foreach ((Block p, _) in preds)
                    {
                        if (_facts[p].Exit[r] != v)
                        {
                            v = _vn.Fresh();
                            break;
                        }
                    }
                    f.Entry[r] = v;
                }
                f.Known = EdgeFacts(preds[0].Pred, preds[0].OnTrue);
                f.MinLengthIn = first.MinLengthOut;
                f.LoadedIn = [.. first.Loaded];
                foreach ((Block p, bool onTrue) in preds.Skip(1))
                {
                    var other = EdgeFacts(p, onTrue);
                    foreach (var key in f.Known.Keys.ToList())
                    {
                        if (!other.TryGetValue(key, out bool o) || o != f.Known[key]) f.Known.Remove(key);
                    }
                    f.MinLengthIn = Math.Min(f.MinLengthIn, _facts[p].MinLengthOut);
                    f.LoadedIn.IntersectWith(_facts[p].Loaded);
                }
            }
            int[] state = (int[])f.Entry.Clone();
            f.Loaded = [.. f.LoadedIn];
            f.MinLengthOut = f.MinLengthIn;
            if (b.HasInnerJumps)
            {
                // Control flow inside the block (protochain's loop, Geneve's header walk): nothing is known after it.
                for (int r = 0; r < Regs.Count; r++) state[r] = _vn.Fresh();
                f.Exit = state;
                f.BranchValue = state[Regs.A];
                f.BranchOperand = _vn.Fresh();
                continue;
            }
            for (int i = 0; i < b.Stmts.Count; i++)
            {
                Stmt s = b.Stmts[i];
                if (s.Code == Nop) continue;
                bool redundant = Step(s, state, rewrite, f.Loaded, ref f.MinLengthOut);
                if (redundant && rewrite)
                {
                    s.Code = Nop;
                    _changed = true;
                }
            }
            if (rewrite && b.Stmts.RemoveAll(s => s.Code == Nop) > 0) _changed = true;
            f.Exit = state;
            if (b.IsReturn) continue;
            f.BranchValue = state[Regs.A];
            f.BranchOperand = OperandValue(b, state, rewrite);
            if (rewrite && b.True != b.False && Decide(b.Code, f.BranchValue, f.BranchOperand, f.Known) is { } outcome)
            {
                Block target = outcome ? b.True! : b.False!;
                b.True = b.False = target;
                _changed = true;
            }
        }
    }

    /// <summary>The tests known on entry to the successor along (<paramref name="pred"/>, <paramref name="onTrue"/>).</summary>
    private Dictionary<(int, int, int), bool> EdgeFacts(Block pred, bool onTrue)
    {
        BlockFacts f = _facts[pred];
        var known = new Dictionary<(int, int, int), bool>(f.Known);
        if (!pred.IsReturn && pred.True != pred.False) known[(f.BranchValue, pred.Code & 0xf0, f.BranchOperand)] = onTrue;
        return known;
    }

    private int OperandValue(Block b, int[] state, bool rewrite)
    {
        if ((b.Code & SrcX) == 0) return _vn.Constant(b.K);
        int x = state[Regs.X];
        if (rewrite && _vn.IsConstant(x, out uint k))
        {
            b.Code = (ushort)(b.Code & ~SrcX);
            b.K = k;
            _changed = true;
        }
        return x;
    }

    /// <summary>
    /// The outcome of a jump on <paramref name="a"/> against <paramref name="operand"/>, when constants or known tests
    /// decide it. The reasoning is libpcap's (the same test seen before; an equality known true decides another
    /// equality), no stronger, so that "expression rejects all packets" is said of exactly the expressions libpcap refuses.
    /// </summary>
    private bool? Decide(ushort code, int a, int operand, Dictionary<(int, int, int), bool> known)
    {
        int op = code & 0xf0;
        if (_vn.IsConstant(a, out uint av) && _vn.IsConstant(operand, out uint ov)) return Evaluate(op, av, ov);
        if (op == JmpJset && _vn.IsConstant(operand, out uint mask) && mask is 0 or 0xffffffff) return mask != 0;
        if (known.TryGetValue((a, op, operand), out bool k)) return k;
        if (op == JmpJeq && _vn.IsConstant(operand, out _))
        {
            foreach (var ((va, vop, vo), outcome) in known)
            {
                if (va == a && vop == JmpJeq && outcome && vo != operand && _vn.IsConstant(vo, out _)) return false;
            }
        }
        return null;
    }

    private static bool Evaluate(int op, uint a, uint k) => op switch
    {
        JmpJeq => a == k,
        JmpJgt => a > k,
        JmpJge => a >= k,
        _ => (a & k) != 0,
    };

    /// <summary>
    /// Applies statement <paramref name="s"/> to <paramref name="state"/>, simplifying it when <paramref name="rewrite"/>;
    /// returns true when it changes nothing (its destination already holds the value) and can go.
    /// </summary>
    private bool Step(Stmt s, int[] state, bool rewrite, HashSet<int> loaded, ref ulong minLength)
    {
        ushort cls = (ushort)(s.Code & 0x07);
        switch (cls)
        {
            case ClassLd or ClassLdx:
            {
                ushort mode = (ushort)(s.Code & 0xe0), size = (ushort)(s.Code & 0x18);
                int dest = cls == ClassLd ? Regs.A : Regs.X;
                int v;
                if (mode == ModeInd && rewrite && _vn.IsConstant(state[Regs.X], out uint xk) && (ulong)xk + s.K <= uint.MaxValue)
                {
                    s.Code = (ushort)(ClassLd | ModeAbs | size);
                    s.K = xk + s.K;
                    mode = ModeAbs;
                    _changed = true;
                }
                switch (mode)
                {
                    case ModeImm: v = _vn.Constant(s.K); break;
                    case ModeLen: v = _vn.Of(OpLen, 0, 0); break;
                    case ModeMem: v = state[Regs.Mem(s.K)]; break;
                    case ModeMsh:
                        v = _vn.Of(OpMsh, s.K, 0);
                        loaded.Add(v);
                        minLength = Math.Max(minLength, (ulong)s.K + 1);
                        break;
                    case ModeAbs:
                        v = _vn.Of(OpLoad, size, s.K);
                        loaded.Add(v);
                        minLength = Math.Max(minLength, (ulong)s.K + Width(size));
                        break;
                    default:
                        v = _vn.Of(OpLoadIndexed, (long)size << 32 | s.K, state[Regs.X]);
                        loaded.Add(v);
                        minLength = Math.Max(minLength, (ulong)s.K + Width(size));
                        break;
                }
                if (state[dest] == v) return true;
                if (rewrite && mode == ModeMem && _vn.IsConstant(v, out uint constant))
                {
                    s.Code = (ushort)(cls | ModeImm);
                    s.K = constant;
                    _changed = true;
                }
                int other = dest == Regs.A ? Regs.X : Regs.A;
                if (rewrite && mode == ModeMem && state[other] == v)
                {
                    s.Code = dest == Regs.A ? (ushort)(ClassMisc | MiscTxa) : (ushort)(ClassMisc | MiscTax);
                    s.K = 0;
                    _changed = true;
                }
                state[dest] = v;
                return false;
            }
            case ClassSt or ClassStx:
            {
                int v = state[cls == ClassSt ? Regs.A : Regs.X];
                int m = Regs.Mem(s.K);
                if (state[m] == v) return true;
                state[m] = v;
                return false;
            }
            case ClassMisc:
            {
                bool tax = (s.Code & 0xf8) != MiscTxa;
                int from = tax ? Regs.A : Regs.X, to = tax ? Regs.X : Regs.A;
                if (state[to] == state[from]) return true;
                state[to] = state[from];
                return false;
            }
            case ClassAlu:
                return StepAlu(s, state, rewrite);
            default:
                // A jump inside a block: nothing is known after it.
                for (int r = 0; r < Regs.Count; r++) state[r] = _vn.Fresh();
                return false;
        }
    }

    private static uint Width(ushort size) => size switch { SizeW => 4u, SizeH => 2u, _ => 1u };

    private bool StepAlu(Stmt s, int[] state, bool rewrite)
    {
        ushort op = (ushort)(s.Code & 0xf0);
        int a = state[Regs.A];
        if (op == AluNeg)
        {
            state[Regs.A] = _vn.IsConstant(a, out uint na) ? _vn.Constant(unchecked(0u - na)) : _vn.Of(OpNeg, a, 0);
            return false;
        }
        bool byX = (s.Code & SrcX) != 0;
        int operand = byX ? state[Regs.X] : _vn.Constant(s.K);
        bool constOperand = _vn.IsConstant(operand, out uint k);
        if (byX && constOperand && rewrite && !(op is AluDiv or AluMod && k == 0) && !(op is AluLsh or AluRsh && k >= 32))
        {
            s.Code = (ushort)(ClassAlu | op | SrcK);
            s.K = k;
            byX = false;
            _changed = true;
        }
        if (constOperand && !(op is AluDiv or AluMod && k == 0))
        {
            if (_vn.IsConstant(a, out uint av))
            {
                state[Regs.A] = _vn.Constant(Fold(op, av, k));
                return false;
            }
            bool identity = (op is AluAdd or AluSub or AluOr or AluXor or AluLsh or AluRsh && k == 0)
                || (op is AluMul or AluDiv && k == 1) || (op == AluAnd && k == 0xffffffff);
            if (identity) return true;
            if ((op is AluMul or AluAnd && k == 0) || (op is AluLsh or AluRsh && k >= 32))
            {
                state[Regs.A] = _vn.Constant(0);
                return false;
            }
        }
        state[Regs.A] = _vn.Of(OpAlu, (long)op << 32 | (uint)a, operand);
        return false;
    }

    private static uint Fold(ushort op, uint a, uint k) => op switch
    {
        AluAdd => unchecked(a + k),
        AluSub => unchecked(a - k),
        AluMul => unchecked(a * k),
        AluDiv => a / k,
        AluMod => a % k,
        AluAnd => a & k,
        AluOr => a | k,
        AluXor => a ^ k,
        AluLsh => k >= 32 ? 0 : a << (int)k,
        _ => k >= 32 ? 0 : a >> (int)k,
    };
}
