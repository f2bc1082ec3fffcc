using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// Computes a flow key for a packet: packets with equal keys land on the same partition, in order. Called on the
/// producer's thread while the packet's block is leased; it must not keep the packet.
/// </summary>
/// <param name="packet">The packet, valid during the call.</param>
/// <returns>The key; any value.</returns>
public delegate ulong FlowKeySelector(in PacketRef packet);
