using SlimCap.Reactive.Capture;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>The ring options of the fan-out tests' members: small blocks retired every 10 ms, so frames show up at once.</summary>
internal static class FanoutRings
{
    internal static RingOptions Options(FanoutGroupOptions fanout, int blockCount = 8) =>
        new() { Fanout = fanout, BlockTimeout = TimeSpan.FromMilliseconds(10), BlockSize = 256 << 10, BlockCount = blockCount };
}
