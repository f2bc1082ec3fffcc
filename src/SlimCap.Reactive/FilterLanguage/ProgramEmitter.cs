using SlimCap.Reactive.Filters;
using static SlimCap.Reactive.Filters.BpfInstruction;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// Lays a flow graph out as a BPF instruction array the way libpcap's icode_to_fcode does: depth first,
/// false branch before true branch, each block placed before everything it reaches, and a branch that
/// cannot reach its target in 255 instructions routed through an extra <c>ja</c>.
/// </summary>
internal static class ProgramEmitter
{
    private const ushort Nop = 0xffff;

    public static BpfInstruction[] Emit(Block root)
    {
        while (true)
        {
            var order = new List<Block>();
            var seen = new HashSet<Block>(ReferenceEqualityComparer.Instance);
            Place(root, seen, order);
            int n = 0;
            foreach (Block b in order) n += Length(b);
            var code = new Insn[n];
            int tail = n;
            bool retry = false;
            // order is post-order (false subtree, true subtree, block); fill from the end.
            foreach (Block b in order)
            {
                tail -= Length(b);
                b.Offset = tail;
            }
            foreach (Block b in order)
            {
                if (!Fill(b, code)) retry = true;
            }
            if (retry) continue;
            return [.. code.Select(i => new BpfInstruction(i.Code, i.Jt, i.Jf, i.K))];
        }
    }

    private static int Length(Block b) => b.Stmts.Count(s => s.Code != Nop) + 1 + (b.LongTrue ? 1 : 0) + (b.LongFalse ? 1 : 0);

    private static void Place(Block b, HashSet<Block> seen, List<Block> order)
    {
        // Iterative post-order (false first, then true), so deep graphs cannot exhaust the stack.
        var stack = new Stack<(Block Block, int State)>();
        stack.Push((b, 0));
        while (stack.Count > 0)
        {
            (Block cur, int state) = stack.Pop();
            if (state == 0)
            {
                if (!seen.Add(cur)) continue;
                stack.Push((cur, 1));
                if (cur.True is not null) stack.Push((cur.True, 0));
                if (cur.False is not null) stack.Push((cur.False, 0));
            }
            else order.Add(cur);
        }
    }

    private struct Insn
    {
        public ushort Code;
        public byte Jt, Jf;
        public uint K;
    }

    private static bool Fill(Block p, Insn[] code)
    {
        List<Stmt> stmts = p.Stmts;
        int slen = stmts.Count(s => s.Code != Nop);
        int dst = p.Offset;
        int off = 0;
        for (int si = 0; si < stmts.Count; si++)
        {
            Stmt src = stmts[si];
            if (src.Code == Nop) continue;
            code[dst] = new Insn { Code = src.Code, K = src.K };
            if ((src.Code & 0x07) == ClassJmp && src.Code != (ClassJmp | JmpJa))
            {
                int jt = stmts.IndexOf(src.JumpTrue!) - off - 1;
                int jf = stmts.IndexOf(src.JumpFalse!) - off - 1;
                if (jt is < 0 or >= 256 || jf is < 0 or >= 256) throw new InvalidOperationException("block-local jump out of range");
                code[dst].Jt = (byte)jt;
                code[dst].Jf = (byte)jf;
            }
            dst++;
            off++;
        }
        code[dst] = new Insn { Code = p.Code, K = p.K };
        if (p.True is null) return true;
        int extra = 0;
        int t = p.True.Offset - (p.Offset + slen) - 1;
        if (t >= 256)
        {
            if (!p.LongTrue)
            {
                p.LongTrue = true;
                return false;
            }
            code[dst].Jt = (byte)extra;
            extra++;
            code[dst + extra] = new Insn { Code = ClassJmp | JmpJa, K = (uint)(t - extra) };
        }
        else code[dst].Jt = (byte)t;
        int f = p.False!.Offset - (p.Offset + slen) - 1;
        if (f >= 256)
        {
            if (!p.LongFalse)
            {
                p.LongFalse = true;
                return false;
            }
            code[dst].Jf = (byte)extra;
            extra++;
            code[dst + extra] = new Insn { Code = ClassJmp | JmpJa, K = (uint)(f - extra) };
        }
        else code[dst].Jf = (byte)f;
        return true;
    }
}
