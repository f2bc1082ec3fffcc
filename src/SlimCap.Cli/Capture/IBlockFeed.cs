using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Capture;

/// <summary>Blocks for <see cref="PacketPump"/>: one source's read calls, or a fan-out group's merged stream.</summary>
internal interface IBlockFeed : IDisposable
{
    /// <summary>
    /// The next block (the caller disposes it), <see cref="CaptureStatus.Unblocked"/> after <see cref="Wake"/> or a quiet
    /// spell, or <see cref="CaptureStatus.Stopped"/> at the end.
    /// </summary>
    CaptureStatus Next(out PacketBlock? block);

    /// <summary>Makes a waiting <see cref="Next"/> return <see cref="CaptureStatus.Unblocked"/> soon; from any thread.</summary>
    void Wake();
}
