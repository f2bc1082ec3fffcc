namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// Shrinks a flow graph without changing any packet's verdict: unlike libpcap's optimizer it never removes a
/// packet load that could fail (a load past the captured bytes drops the packet, so removing it could keep a
/// packet the unoptimized program drops). Passes, repeated to a fixed point: value numbering with constant
/// folding and redundant-load removal, branch decisions from the tests that dominate them, jump threading
/// along each edge, dead-statement removal, peepholes (<c>and #k; jeq #0</c> to <c>jset</c>, <c>sub #k; jeq #0</c>
/// to <c>jeq #k</c>), removal of empty blocks and merging of identical ones.
/// </summary>
internal sealed partial class Optimizer
{
    private const int MaxPasses = 200;
    private Block _root;
    private List<Block> _order = [];
    private Dictionary<Block, List<(Block Pred, bool OnTrue)>> _preds = new(ReferenceEqualityComparer.Instance);
    private Dictionary<Block, BlockFacts> _facts = new(ReferenceEqualityComparer.Instance);
    private ValueNumbers _vn = new();
    private bool _changed;

    private Optimizer(Block root) => _root = root;

    public static Block Optimize(Block root)
    {
        var o = new Optimizer(root);
        for (int pass = 0; pass < MaxPasses; pass++)
        {
            o._changed = false;
            o.Analyze(rewrite: true);
            o.Analyze(rewrite: false);
            o.ThreadEdges();
            o.Analyze(rewrite: false);
            o.RemoveDeadStatements();
            o.FoldIndexedLoads();
            o.ReorderChains();
            o.CollapseRejectingBlocks();
            o.BypassEmptyBlocks();
            o.MergeIdenticalBlocks();
            if (!o._changed) break;
        }
        return o._root;
    }

    /// <summary>Reachable blocks in topological order (every block before its successors) and their predecessors.</summary>
    private void Order()
    {
        var post = new List<Block>();
        var seen = new HashSet<Block>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Block, bool)>();
        stack.Push((_root, false));
        while (stack.Count > 0)
        {
            (Block b, bool done) = stack.Pop();
            if (done)
            {
                post.Add(b);
                continue;
            }
            if (!seen.Add(b)) continue;
            stack.Push((b, true));
            if (b.False is not null) stack.Push((b.False, false));
            if (b.True is not null) stack.Push((b.True, false));
        }
        post.Reverse();
        _order = post;
        _preds = new Dictionary<Block, List<(Block, bool)>>(ReferenceEqualityComparer.Instance);
        foreach (Block b in _order) _preds[b] = [];
        foreach (Block b in _order)
        {
            if (b.True is not null) _preds[b.True].Add((b, true));
            if (b.False is not null) _preds[b.False].Add((b, false));
        }
    }

    private void Redirect(Block from, Block oldTarget, Block newTarget)
    {
        if (from.True == oldTarget) from.True = newTarget;
        if (from.False == oldTarget) from.False = newTarget;
        _changed = true;
    }

    /// <summary>A block with no statements whose two branches meet is just a jump: send its predecessors straight on.</summary>
    private void BypassEmptyBlocks()
    {
        Order();
        foreach (Block b in _order)
        {
            if (b.IsReturn || b.Stmts.Count > 0 || b.True != b.False) continue;
            Block target = b.True!;
            foreach ((Block pred, _) in _preds[b]) Redirect(pred, b, target);
            if (_root == b)
            {
                _root = target;
                _changed = true;
            }
        }
    }

    /// <summary>Blocks with the same statements, branch and successors become one (libpcap's intern_blocks).</summary>
    private void MergeIdenticalBlocks()
    {
        Order();
        var canonical = new Dictionary<string, Block>(StringComparer.Ordinal);
        var ids = new Dictionary<Block, int>(ReferenceEqualityComparer.Instance);
        var replace = new Dictionary<Block, Block>(ReferenceEqualityComparer.Instance);
        for (int i = _order.Count - 1; i >= 0; i--)
        {
            Block b = _order[i];
            Block? t = b.True is null ? null : replace.GetValueOrDefault(b.True, b.True);
            Block? f = b.False is null ? null : replace.GetValueOrDefault(b.False, b.False);
            var key = new System.Text.StringBuilder();
            foreach (Stmt s in b.Stmts) key.Append(s.Code).Append(':').Append(s.K).Append(';');
            key.Append('|').Append(b.Code).Append(':').Append(b.K).Append('|')
               .Append(t is null ? -1 : ids[t]).Append('|').Append(f is null ? -1 : ids[f]);
            string k = key.ToString();
            if (b.HasInnerJumps) k = "inner:" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (canonical.TryGetValue(k, out Block? same))
            {
                replace[b] = same;
                ids[b] = ids[same];
            }
            else
            {
                canonical[k] = b;
                ids[b] = canonical.Count;
            }
        }
        if (replace.Count == 0) return;
        foreach (Block b in _order)
        {
            if (b.True is not null && replace.TryGetValue(b.True, out Block? nt)) b.True = nt;
            if (b.False is not null && replace.TryGetValue(b.False, out Block? nf)) b.False = nf;
        }
        if (replace.TryGetValue(_root, out Block? r)) _root = r;
        _changed = true;
    }
}
