namespace SlimCap.Reactive.Tests.Files;

/// <summary>A record copied out of a source, for comparisons.</summary>
internal sealed record FileRecordCopy(long Ns, ushort Carry, int CapturedLength, long TotalLength, LinkType LinkType, PacketType Type, byte[] Data)
{
    /// <summary>True when a pcap record header can hold the stored fraction (fraction field with the carried seconds).</summary>
    public bool CarryFitsInPcap => (ulong)(Ns % 1_000_000_000L) + Carry * 1_000_000_000UL <= uint.MaxValue;
}
