namespace SlimCap.Reactive.Files;

/// <summary>
/// A record (or a pcapng block the reader must hold whole) is longer than <see cref="CaptureFileOptions.MaxRecordLength"/>
/// allows. The file may be valid: raise the option (up to <see cref="CaptureFileOptions.MaxRecordLengthLimit"/>) to read
/// it. Raised before any byte of the record is buffered, after every record before it was delivered.
/// </summary>
/// <remarks>Thread safety: immutable once thrown.</remarks>
public sealed class CaptureFileRecordTooLargeException : CaptureFileException
{
    /// <summary>Creates the exception for a record of <paramref name="recordLength"/> bytes at <paramref name="offset"/>.</summary>
    public CaptureFileRecordTooLargeException(string fileName, long offset, string what, long recordLength, long limit)
        : base(fileName, offset, $"{what} of {recordLength} bytes is longer than CaptureFileOptions.MaxRecordLength allows ({limit} bytes); raise the option to read it")
    {
        RecordLength = recordLength;
        Limit = limit;
    }

    /// <summary>The record's (or block's) length, as the file gives it.</summary>
    public long RecordLength { get; }

    /// <summary>The largest length the options allowed.</summary>
    public long Limit { get; }

    /// <summary>The option that sets the limit: <c>MaxRecordLength</c> of <see cref="CaptureFileOptions"/>.</summary>
    public string OptionName => nameof(CaptureFileOptions.MaxRecordLength);
}
