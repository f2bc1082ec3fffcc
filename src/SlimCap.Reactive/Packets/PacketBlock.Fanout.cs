namespace SlimCap.Reactive.Packets;

public sealed partial class PacketBlock
{
    /// <summary>
    /// The index of the fan-out group member whose ring this block came from (its place in
    /// <see cref="SlimCap.Reactive.Capture.FanoutGroupSource.Members"/>), or -1 for a block from a source that is not a group member. Views of the
    /// block (filters, fan-out targets) carry the same index. Readable after the block is disposed.
    /// </summary>
    public int FanoutMember
    {
        // Kept by the storage (one member's ring for its whole life), not by each lease: it keeps the lease object,
        // the whole allocation per block, at 56 bytes.
        get => _storage.FanoutMember;
        internal set => _storage.FanoutMember = value;
    }
}
