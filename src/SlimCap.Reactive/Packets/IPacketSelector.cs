namespace SlimCap.Reactive.Packets;

/// <summary>Decides, packet by packet, what a view keeps. Implemented by structs so selection inlines.</summary>
internal interface IPacketSelector
{
    /// <summary>
    /// False for selectors that decide by type, position or chance alone: their walk reads only each packet's type,
    /// and <see cref="Select"/> gets a default <see cref="PacketRef"/>.
    /// </summary>
    static virtual bool NeedsPacket => true;

    /// <summary>Whether the view keeps the packet of <paramref name="type"/>; called once per visible packet, in order.</summary>
    bool Select(PacketType type, in PacketRef packet);
}
