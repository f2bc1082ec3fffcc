using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Capture;

/// <summary>The blocks of one source through its own read calls (<see cref="CaptureSource.NextBlock"/>); the caller owns the source.</summary>
internal sealed class SourceFeed(CaptureSource source) : IBlockFeed
{
    public CaptureStatus Next(out PacketBlock? block) => source.NextBlock(out block);

    public void Wake() => source.Unblock();

    public void Dispose()
    {
    }
}
