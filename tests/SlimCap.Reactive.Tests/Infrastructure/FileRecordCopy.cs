using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>A record copied out of a source, for comparisons.</summary>
internal sealed record FileRecordCopy(long Ns, ushort Carry, int CapturedLength, long TotalLength, LinkType LinkType, PacketType Type, byte[] Data);
