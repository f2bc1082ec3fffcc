using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Capture;

/// <summary>What a live source does when its interface goes down while capturing.</summary>
public enum LinkDownPolicy
{
    /// <summary>
    /// Deliver every packet the kernel captured before the link went down (the partly filled ring
    /// block is retired by its timeout), then end with <see cref="LinkDownException"/>. The default.
    /// </summary>
    Fail,

    /// <summary>
    /// Keep the source open and wait; capture resumes by itself when the link comes up again (the
    /// kernel re-attaches the socket). A reader waiting meanwhile can still be unblocked or stopped.
    /// </summary>
    WaitForLink,
}
