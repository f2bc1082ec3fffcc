using static SlimCap.Reactive.Filters.BpfInstruction;

namespace SlimCap.Reactive.FilterLanguage;

// Two tests of an or-chain (or an and-chain) trade places when the second one can reuse the value in A:
// ldh [54]; jeq #a / ldh [56]; jeq #a / ldh [54]; jeq #b / ldh [56]; jeq #b tests [56] = b before reloading [54].
internal sealed partial class Optimizer
{
    private void ReorderChains()
    {
        Analyze(rewrite: false);
        ComputeLiveness();
        ComputeNeed();
        foreach (Block first in _order)
        {
            if (first.IsReturn || first.True == first.False) continue;
            foreach (bool viaFalse in new[] { true, false })
            {
                Block second = viaFalse ? first.False! : first.True!;
                if (second.IsReturn || second.True == second.False || _preds[second].Count != 1) continue;
                Block shared = viaFalse ? first.True! : first.False!;
                if ((viaFalse ? second.True : second.False) != shared) continue;
                Block exit = viaFalse ? second.False! : second.True!;
                if (!OnlyDefinesA(first) || !OnlyDefinesA(second)) continue;
                if (((_liveIn[shared] | _liveIn[exit]) & 1 << Regs.A) != 0) continue;
                if (!GainsByGoingFirst(first, second, NeverAccepts(shared))) continue;
                (first.Stmts, second.Stmts) = (second.Stmts, first.Stmts);
                (first.Code, second.Code) = (second.Code, first.Code);
                (first.K, second.K) = (second.K, first.K);
                _changed = true;
                return;
            }
        }
    }

    private static bool OnlyDefinesA(Block b) =>
        !b.HasInnerJumps && b.Stmts.TrueForAll(s => (s.Code & 0x07) is ClassLd || ((s.Code & 0x07) == ClassAlu && (s.Code & 0xf0) is not (AluDiv or AluMod)));

    /// <summary>
    /// Whether <paramref name="second"/>'s statements, run where <paramref name="first"/> starts, cannot fail and save a
    /// statement, and first's still cannot fail after them. First's may fail when the branch both share never accepts:
    /// then skipping first's failing load on the way there changes no verdict (both give 0).
    /// </summary>
    private bool GainsByGoingFirst(Block first, Block second, bool sharedNeverAccepts)
    {
        BlockFacts f = _facts[first];
        int[] state = (int[])f.Entry.Clone();
        var loaded = new HashSet<int>(f.LoadedIn);
        ulong minLength = f.MinLengthIn;
        bool gain = false;
        foreach (Stmt s in second.Stmts)
        {
            if (MayFail(s, state, loaded, minLength)) return false;
            if (Step(s, state, rewrite: false, loaded, ref minLength)) gain = true;
        }
        if (!gain) return false;
        foreach (Stmt s in first.Stmts)
        {
            if (!sharedNeverAccepts && MayFail(s, state, loaded, minLength)) return false;
            Step(s, state, rewrite: false, loaded, ref minLength);
        }
        return true;
    }
}
