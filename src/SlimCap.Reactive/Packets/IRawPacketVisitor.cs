namespace SlimCap.Reactive.Packets;

/// <summary>Receives a block's raw packets from <see cref="PacketBlock.VisitRaw"/>. Implemented by structs so the call inlines.</summary>
internal interface IRawPacketVisitor
{
    /// <param name="index">The packet's raw index in the block.</param>
    /// <param name="cursor">Where the block's reads find it again.</param>
    /// <param name="data">Its captured bytes, valid while the block is leased.</param>
    /// <param name="ipLayerOffset">Offset of the IP header in <paramref name="data"/>, or <see cref="LinkTypeInfo.UnknownOffset"/>.</param>
    void Visit(int index, int cursor, ReadOnlySpan<byte> data, int ipLayerOffset);
}
