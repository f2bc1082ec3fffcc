namespace SlimCap.Reactive.Files;

/// <summary>What a format parser found next.</summary>
internal enum ReadOutcome
{
    /// <summary>A record is ready; consume it with <see cref="FormatReader.Consume"/> once delivered.</summary>
    Record,
    /// <summary>Clean end of the file.</summary>
    End,
    /// <summary>The read was cancelled; call again.</summary>
    Canceled,
    /// <summary>The next record is not buffered yet and the caller asked not to block.</summary>
    WouldBlock,
}
