namespace SlimCap.Cli.Capture;

/// <summary>Everything <c>slimcap capture</c> was asked to do.</summary>
/// <param name="Live">The interface and how to open it.</param>
/// <param name="Count">Packets to capture, or 0 for no limit (-c).</param>
/// <param name="Write">The file to write (-w), <c>-</c> for stdout, or null.</param>
/// <param name="Rotate">The rotation spec (--rotate), or null.</param>
/// <param name="OnRotate">The command run for each finished file (--on-rotate), or null.</param>
/// <param name="Print">Print one line per packet (--print).</param>
/// <param name="Json">Print one JSON object per packet (--json).</param>
/// <param name="Duration">Stop after this long (--duration), or null.</param>
/// <param name="SelfTestTraffic">Send loopback datagrams to capture (--self-test-traffic).</param>
internal sealed record CaptureSettings(LiveCaptureSettings Live, long Count, string? Write, string? Rotate, string? OnRotate,
    bool Print, bool Json, TimeSpan? Duration, bool SelfTestTraffic);
