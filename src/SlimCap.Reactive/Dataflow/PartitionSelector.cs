namespace SlimCap.Reactive;

/// <summary>Keeps the packets assigned to one partition: the k-th visible packet goes where <c>assignments[k]</c> says.</summary>
internal struct PartitionSelector(int[] assignments, int partition) : IPacketSelector
{
    private int _ordinal;

    public bool Select(PacketType type, in PacketRef packet) => assignments[_ordinal++] == partition;
}
