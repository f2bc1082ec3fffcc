namespace SlimCap.Reactive.Files;

/// <summary>
/// What a read of the file pipe came to, for bytes (<see cref="PipeByteReader.Ensure"/>) and for records
/// (<see cref="FormatReader.Next"/>) alike, so a parser passes a byte read's outcome on as its own.
/// </summary>
internal enum ReadOutcome
{
    /// <summary>What was asked for is there: the bytes are buffered, or a record is ready (consume it with
    /// <see cref="FormatReader.Consume"/> once delivered).</summary>
    Ready,
    /// <summary>The stream ended: cleanly at a record boundary for <see cref="FormatReader.Next"/>; for
    /// <see cref="PipeByteReader.Ensure"/> before the requested bytes, what did arrive staying buffered.</summary>
    End,
    /// <summary>A pending read was cancelled (unblock or dispose); nothing was consumed; call again.</summary>
    Canceled,
    /// <summary>The bytes or the next record are not buffered yet and the caller asked not to block.</summary>
    WouldBlock,
}
