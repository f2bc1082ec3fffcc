using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>The Dataflow face of <see cref="CaptureFileWriter"/>, kept here so that Files/ needs no Dataflow.</summary>
public static class CaptureFileWriterDataflow
{
    /// <summary>
    /// A Dataflow target that writes each block it receives to <paramref name="writer"/> and then disposes it, holding
    /// at most <paramref name="boundedCapacity"/> blocks (so a slow disk applies back-pressure). Completing or faulting
    /// the target writes what it holds and completes the writer; its Completion faults with the first write error or
    /// the fault it was given.
    /// </summary>
    public static ITargetBlock<PacketBlock> AsTargetBlock(this CaptureFileWriter writer, int boundedCapacity = 16)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfLessThan(boundedCapacity, 1);
        return new CaptureFileTargetBlock(writer, boundedCapacity);
    }
}
