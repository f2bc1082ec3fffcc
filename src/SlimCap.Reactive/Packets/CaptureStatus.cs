namespace SlimCap.Reactive.Packets;

/// <summary>
/// Outcome of a blocking read. The two non-packet outcomes are results, not exceptions, so a hot
/// read loop holds no throw site (slimcap's <c>ErrCaptureUnblocked</c> / <c>ErrCaptureStopped</c>).
/// </summary>
public enum CaptureStatus
{
    /// <summary>A packet (or block) was read.</summary>
    Packet = 0,
    /// <summary><c>Unblock()</c> woke the reader; it may read again.</summary>
    Unblocked = 1,
    /// <summary>The source was closed, or a capture file ended. Further reads throw <see cref="ObjectDisposedException"/> (live) or return this again (files).</summary>
    Stopped = 2,
}
