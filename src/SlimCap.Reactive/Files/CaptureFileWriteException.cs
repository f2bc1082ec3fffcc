namespace SlimCap.Reactive.Files;

/// <summary>
/// Writing a capture file failed: the stream refused the bytes (a closed pipe, EPIPE, as <c>| head -c 1000</c>
/// leaves it; a full disk; an I/O error). <see cref="CaptureFileException.Offset"/> is how many bytes of the file
/// the stream accepted, <see cref="RecordsWritten"/> how many whole records they hold; the inner exception is the
/// stream's. The writer is failed from then on: later writes throw this again, completing it writes nothing more.
/// </summary>
/// <remarks>Thread safety: immutable once thrown.</remarks>
public sealed class CaptureFileWriteException : CaptureFileException
{
    /// <summary>Creates the exception for the stream failure <paramref name="innerException"/>.</summary>
    public CaptureFileWriteException(string fileName, long acceptedBytes, long recordsWritten, Exception innerException)
        : base(fileName, acceptedBytes, $"writing the file failed after {recordsWritten} records ({acceptedBytes} bytes) went through: {innerException.Message}", innerException)
    {
        RecordsWritten = recordsWritten;
    }

    /// <summary>The records the stream accepted whole before it failed.</summary>
    public long RecordsWritten { get; }
}
