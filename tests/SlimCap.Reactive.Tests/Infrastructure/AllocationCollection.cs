using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Runs alone, so process-wide allocation counters see only the pipeline under test.</summary>
[CollectionDefinition(nameof(AllocationCollection), DisableParallelization = true)]
public sealed class AllocationCollection
{
    /// <summary>The size of one <see cref="PacketBlock"/> lease object on x64 (header and fields): what an allocation test allows per block.</summary>
    internal const int LeaseObjectBytes = 56;
}
