namespace SlimCap.Reactive.Errors;

/// <summary>
/// Base type of every error the library raises about capture itself (as opposed to argument
/// validation, which uses <see cref="ArgumentException"/> and its subtypes).
/// </summary>
/// <remarks>Thread safety: immutable once thrown, like every exception here.</remarks>
public class CaptureException : Exception
{
    /// <summary>Creates the exception with a message that names what failed.</summary>
    public CaptureException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public CaptureException(string message, Exception? innerException) : base(message, innerException) { }
}
