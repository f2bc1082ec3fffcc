namespace SlimCap.Reactive.FilterLanguage;

// Jump threading: an edge whose path is decided for the next blocks goes straight to where it ends up.
internal sealed partial class Optimizer
{
    private const int MaxThreadLength = 64;

    private void ThreadEdges()
    {
        ComputeLiveness();
        foreach (Block p in _order)
        {
            if (p.IsReturn) continue;
            ThreadEdge(p, onTrue: true);
            if (p.True != p.False) ThreadEdge(p, onTrue: false);
        }
    }

    /// <summary>
    /// Follows the edge through blocks whose branch is decided on this path and whose statements cannot stop
    /// the program, and redirects it to the furthest block reached where every live register holds the same
    /// value as it would after the skipped statements.
    /// </summary>
    private void ThreadEdge(Block p, bool onTrue)
    {
        Block start = onTrue ? p.True! : p.False!;
        BlockFacts pf = _facts[p];
        int[] exit = pf.Exit;
        int[] state = (int[])exit.Clone();
        var known = EdgeFacts(p, onTrue);
        var loaded = new HashSet<int>(pf.Loaded);
        ulong minLength = pf.MinLengthOut;
        Block cur = start;
        Block? best = null;
        for (int steps = 0; steps < MaxThreadLength && !cur.IsReturn && CanSkip(cur, state, loaded, ref minLength); steps++)
        {
            int operand = (cur.Code & Filters.BpfInstruction.SrcX) != 0 ? state[Regs.X] : _vn.Constant(cur.K);
            bool? outcome = cur.True == cur.False ? true : Decide(cur.Code, state[Regs.A], operand, known);
            if (outcome is null) break;
            if (cur.True != cur.False) known[(state[Regs.A], cur.Code & 0xf0, operand)] = outcome.Value;
            cur = outcome.Value ? cur.True! : cur.False!;
            int live = _liveIn.GetValueOrDefault(cur);
            bool same = true;
            for (int r = 0; r < Regs.Count && same; r++)
            {
                if ((live & (1 << r)) != 0 && state[r] != exit[r]) same = false;
            }
            if (same) best = cur;
        }
        if (best is null || best == start) return;
        if (onTrue) p.True = best; else p.False = best;
        _changed = true;
    }

    /// <summary>Runs <paramref name="b"/>'s statements on <paramref name="state"/>; false when one of them could stop the program (so it cannot be skipped).</summary>
    private bool CanSkip(Block b, int[] state, HashSet<int> loaded, ref ulong minLength)
    {
        if (b.HasInnerJumps) return false;
        foreach (Stmt s in b.Stmts)
        {
            if (MayFail(s, state, loaded, minLength)) return false;
            Step(s, state, rewrite: false, loaded, ref minLength);
        }
        return true;
    }

}
