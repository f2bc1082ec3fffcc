using System.Diagnostics.CodeAnalysis;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Files;

/// <summary>
/// A capture file is not one the reader accepts, or is damaged: unknown magic, a header or record cut
/// short, a length out of range, a malformed pcapng block. The message names the file, the byte
/// offset of the problem and what is wrong. A source throws it only after it has delivered every
/// record that precedes the damage.
/// </summary>
/// <remarks>Thread safety: immutable once thrown.</remarks>
public class CaptureFileException : CaptureException
{
    /// <summary>Creates the exception for a problem <paramref name="problem"/> at <paramref name="offset"/> in <paramref name="fileName"/>.</summary>
    public CaptureFileException(string fileName, long offset, string problem, Exception? innerException = null)
        : base($"Capture file '{fileName}', byte offset {offset}: {problem}", innerException)
    {
        FileName = fileName;
        Offset = offset;
        Problem = problem;
    }

    /// <summary>The file (or stream) name the source was opened with.</summary>
    public string FileName { get; }

    /// <summary>
    /// Byte offset of the damaged structure (record header or pcapng block), counted in the
    /// uncompressed bytes for gzip-compressed files (for damage to the gzip framing itself, the inflated bytes
    /// delivered before it; the message then names the compressed offset).
    /// </summary>
    public long Offset { get; }

    /// <summary>What is wrong, without the file name and offset.</summary>
    public string Problem { get; }

    /// <summary>Throws for damage at <paramref name="offset"/>; a call of its own, so the parsers' hot paths stay small.</summary>
    [DoesNotReturn]
    internal static void ThrowDamaged(string name, long offset, string problem) =>
        throw new CaptureFileException(name, offset, problem);

    /// <summary>Throws for a file that ends inside <paramref name="what"/>.</summary>
    [DoesNotReturn]
    internal static void ThrowTruncated(string name, long offset, string what, long needed, long got) =>
        throw new CaptureFileException(name, offset, $"the file is cut short in {what}: needed {needed} bytes, only {got} remain");
}
