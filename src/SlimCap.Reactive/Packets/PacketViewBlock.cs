using System.Runtime.InteropServices;

namespace SlimCap.Reactive;

/// <summary>
/// A pooled block that shows a subset of another block's packets without copying them: one consumer's
/// own view of a shared lease (a broadcast target, or one partition of a fan-out).
/// </summary>
/// <remarks>
/// A view holds one reference on its parent (<see cref="PacketBlock.AddReferences"/>) for as long as the
/// view is leased, and gives it back when the view is disposed: the parent (a ring block) returns to the
/// kernel when its last view and its own owner are done. Packets read through a view belong to the view's
/// lease, so using them after the view is disposed throws, even while other views keep the parent alive.
/// View objects are pooled process-wide; a view starts out showing exactly what its parent showed.
/// </remarks>
internal sealed class PacketViewBlock : PacketBlock
{
    // Enough to cover many blocks times many targets without keeping memory for a rare burst.
    private const int MaxPooled = 1024;
    private static readonly Stack<PacketViewBlock> s_pool = new();
    private static readonly object s_gate = new();

    private PacketBlock? _parent;

    private PacketViewBlock() { }

    /// <summary>Number of view objects resting in the pool (for tests).</summary>
    internal static int PooledCount
    {
        get { lock (s_gate) return s_pool.Count; }
    }

    /// <summary>
    /// Leases a view of <paramref name="parent"/> showing what the parent shows now, and takes one reference
    /// on the parent for it. The caller owns the view; the parent's own owner still owns its reference.
    /// </summary>
    internal static PacketViewBlock Create(PacketBlock parent)
    {
        PacketViewBlock? view;
        lock (s_gate) s_pool.TryPop(out view);
        view ??= new PacketViewBlock();
        try
        {
            parent.AddReferences(1); // throws when the parent is already released
        }
        catch
        {
            lock (s_gate) s_pool.Push(view); // nothing was taken: the unused view goes back
            throw;
        }
        view._parent = parent;
        view.FanoutMember = parent.FanoutMember;
        view.CursorHost = parent; // a view's cursors are its parent's: the parent's table serves every view of it
        view.Activate(parent.SequenceNumber, parent.RawPacketCount, parent.FirstTimestampNanoseconds, parent.LastTimestampNanoseconds);
        view.CopyViewFrom(parent);
        return view;
    }

    private protected override bool ReadNext(ref int cursor, out PacketRef packet)
    {
        return _parent!.ReadRawFor(this, Generation, ref cursor, out packet);
    }

    private protected override bool SkipNext(ref int cursor) => _parent!.SkipRaw(ref cursor);

    internal override ReadOnlySpan<byte> GetSpan(int offset, int length) => _parent!.GetSpan(offset, length);

    // The parent's bytes are shared with its other views (and maybe the kernel): read-only through Bytes only.
    private protected override Memory<byte> GetMemory() => MemoryMarshal.AsMemory(_parent!.Bytes);

    private protected override bool HasPrivateMemory => false;

    private protected override void OnReleased()
    {
        PacketBlock parent = _parent!;
        _parent = null;
        CursorHost = null;
        lock (s_gate)
        {
            if (s_pool.Count < MaxPooled) s_pool.Push(this);
        }
        parent.Dispose(); // after the pool lock: releasing may hand a ring block back to the kernel
    }
}
