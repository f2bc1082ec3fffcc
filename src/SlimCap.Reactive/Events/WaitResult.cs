namespace SlimCap.Reactive.Events;

/// <summary>Why a wait on the capture socket ended.</summary>
internal enum WaitResult
{
    /// <summary>The socket has data (or a ring block may be ready).</summary>
    Ready,
    /// <summary>Unblock was signalled.</summary>
    Unblocked,
    /// <summary>Stop was signalled.</summary>
    Stopped,
    /// <summary>The time-out passed.</summary>
    TimedOut,
    /// <summary>The socket reported an error (POLLERR/POLLHUP); read SO_ERROR.</summary>
    SocketError,
}
