namespace SlimCap.Reactive.Files;

/// <summary>Outcome of <see cref="PipeByteReader.Ensure"/>.</summary>
internal enum FillResult
{
    /// <summary>The requested bytes are buffered.</summary>
    Ready,
    /// <summary>The stream ended before the requested bytes arrived; what did arrive stays buffered.</summary>
    End,
    /// <summary>A pending read was cancelled (unblock or dispose); nothing was consumed.</summary>
    Canceled,
    /// <summary>The bytes are not buffered and the caller asked not to block.</summary>
    WouldBlock,
}
