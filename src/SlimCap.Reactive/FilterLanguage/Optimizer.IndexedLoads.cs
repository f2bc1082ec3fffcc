using static SlimCap.Reactive.Filters.BpfInstruction;

namespace SlimCap.Reactive.FilterLanguage;

// A constant added to X just before an indexed load moves into the load's offset: add x; tax; ld [x + k].
internal sealed partial class Optimizer
{
    private void FoldIndexedLoads()
    {
        Analyze(rewrite: false);
        ComputeLiveness();
        foreach (Block b in _order)
        {
            List<Stmt> st = b.Stmts;
            if (st.Count < 3 || b.HasInnerJumps) continue;
            // A and X before each statement, and registers live after each.
            var before = new int[st.Count][];
            int[] state = (int[])_facts[b].Entry.Clone();
            var loaded = new HashSet<int>();
            ulong minLength = 0;
            for (int i = 0; i < st.Count; i++)
            {
                before[i] = (int[])state.Clone();
                Step(st[i], state, rewrite: false, loaded, ref minLength);
            }
            var liveAfter = new int[st.Count];
            int live = LiveOut(b) | BranchUses(b);
            for (int i = st.Count - 1; i >= 0; i--)
            {
                liveAfter[i] = live;
                (int uses, int defs) = UseDef(st[i]);
                live = (live & ~defs) | uses;
            }
            for (int i = 0; i + 2 < st.Count; i++)
            {
                if (st[i].Code != (ClassAlu | AluAdd | SrcX) || st[i + 1].Code != (ClassMisc | MiscTax)) continue;
                Stmt load = st[i + 2];
                if ((load.Code & 0x07) != ClassLd || (load.Code & 0xe0) != ModeInd) continue;
                if (!_vn.IsConstant(before[i][Regs.A], out uint c) || (ulong)c + load.K > uint.MaxValue) continue;
                if ((liveAfter[i + 2] & (1 << Regs.X)) != 0) continue;
                // X + c + k = X' + k: the same bytes; the sum A held is not needed (the load overwrites A).
                load.K += c;
                st.RemoveRange(i, 2);
                _changed = true;
                break;
            }
        }
    }
}
