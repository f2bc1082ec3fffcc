namespace SlimCap.Reactive.Packets;

/// <summary>
/// Receives one packet in place (slimcap's <c>NextPacketFn</c>): <paramref name="payload"/> is
/// a view into the source's memory that is valid only during the call.
/// </summary>
/// <param name="payload">The captured bytes from the link-layer header on.</param>
/// <param name="totalLength">The packet's length on the wire.</param>
/// <param name="type">Who the packet was addressed to.</param>
/// <param name="ipLayerOffset">Offset of the IP header in <paramref name="payload"/>, or -1 when unknown.</param>
public delegate void PacketCallback(ReadOnlySpan<byte> payload, long totalLength, PacketType type, int ipLayerOffset);

/// <summary>As <see cref="PacketCallback"/>, with a caller's state passed through so no closure is needed.</summary>
/// <typeparam name="TState">The state's type.</typeparam>
/// <param name="state">The state given to the read call.</param>
/// <param name="payload">The captured bytes from the link-layer header on.</param>
/// <param name="totalLength">The packet's length on the wire.</param>
/// <param name="type">Who the packet was addressed to.</param>
/// <param name="ipLayerOffset">Offset of the IP header in <paramref name="payload"/>, or -1 when unknown.</param>
public delegate void PacketCallback<in TState>(TState state, ReadOnlySpan<byte> payload, long totalLength, PacketType type, int ipLayerOffset);
