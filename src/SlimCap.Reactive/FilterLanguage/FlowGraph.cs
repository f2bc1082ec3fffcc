using SlimCap.Reactive.Filters;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// One statement of a block (any non-branch BPF instruction). A few generated sequences (protochain's loop,
/// Geneve's header walk, the kernel VLAN test) also hold conditional jumps between statements of one block:
/// <see cref="JumpTrue"/> and <see cref="JumpFalse"/> name their targets, which are statements of the same block.
/// </summary>
internal sealed class Stmt(ushort code, uint k = 0)
{
    public ushort Code = code;
    public uint K = k;
    public Stmt? JumpTrue;
    public Stmt? JumpFalse;

    public override string ToString() => $"{Code:x2} {K}";
}

/// <summary>A basic block: statements, then either a conditional jump (<see cref="True"/>/<see cref="False"/>) or a return.</summary>
internal sealed class Block(ushort code, uint k = 0)
{
    public List<Stmt> Stmts = [];
    public ushort Code = code;
    public uint K = k;
    public Block? True;
    public Block? False;

    /// <summary>Scratch space for passes (ids, marks, offsets).</summary>
    public int Id;
    public int Offset;
    public bool LongTrue;
    public bool LongFalse;

    public bool IsReturn => (Code & 0x07) == BpfInstruction.ClassRet;

    /// <summary>Whether any statement jumps inside the block (then the block is left alone by the optimizer).</summary>
    public bool HasInnerJumps => Stmts.Exists(s => (s.Code & 0x07) == BpfInstruction.ClassJmp);
}

/// <summary>
/// A test under construction: its entry block and the branches still to be resolved, those taken when
/// the test holds and those taken when it does not (libpcap's backpatch lists).
/// </summary>
internal sealed class Cond
{
    public Cond(Block entry, List<(Block Block, bool OnTrue)> whenTrue, List<(Block Block, bool OnTrue)> whenFalse)
    {
        Entry = entry;
        WhenTrue = whenTrue;
        WhenFalse = whenFalse;
    }

    public Block Entry;
    public List<(Block Block, bool OnTrue)> WhenTrue;
    public List<(Block Block, bool OnTrue)> WhenFalse;

    /// <summary>A fresh block ending in <paramref name="code"/> #<paramref name="k"/>.</summary>
    public static Cond Test(List<Stmt> stmts, ushort code, uint k)
    {
        var b = new Block(code, k) { Stmts = stmts };
        return new Cond(b, [(b, true)], [(b, false)]);
    }

    public static void Resolve(List<(Block Block, bool OnTrue)> exits, Block target)
    {
        foreach ((Block b, bool onTrue) in exits)
        {
            if (onTrue) b.True = target; else b.False = target;
        }
    }

    /// <summary><paramref name="first"/> and then <paramref name="second"/>: the result starts at the first.</summary>
    public static Cond And(Cond first, Cond second)
    {
        Resolve(first.WhenTrue, second.Entry);
        return new Cond(first.Entry, second.WhenTrue, [.. first.WhenFalse, .. second.WhenFalse]);
    }

    /// <summary><paramref name="first"/> or else <paramref name="second"/>.</summary>
    public static Cond Or(Cond first, Cond second)
    {
        Resolve(first.WhenFalse, second.Entry);
        return new Cond(first.Entry, [.. first.WhenTrue, .. second.WhenTrue], second.WhenFalse);
    }

    public Cond Not()
    {
        (WhenTrue, WhenFalse) = (WhenFalse, WhenTrue);
        return this;
    }
}

/// <summary>A value under construction (libpcap's struct arth): statements that leave it in scratch register <see cref="Reg"/>, and the protocol tests it needs.</summary>
internal sealed class Arth(List<Stmt> stmts, int reg)
{
    public List<Stmt> Stmts = stmts;
    public int Reg = reg;
    public Cond? Checks;
}

/// <summary>An offset from the start of the packet: a constant part plus, when variable, a scratch register computed at run time.</summary>
internal struct AbsOffset
{
    public uint Constant;
    public bool Variable;
    public int Reg;

    public AbsOffset(uint constant)
    {
        Constant = constant;
        Variable = false;
        Reg = -1;
    }
}
