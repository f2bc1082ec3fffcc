using System.Diagnostics.CodeAnalysis;

namespace SlimCap.Reactive.Files;

/// <summary>Throw sites for the file parsers, kept out of their hot paths.</summary>
internal static class FileThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowDamaged(string name, long offset, string problem) =>
        throw new CaptureFileException(name, offset, problem);

    [DoesNotReturn]
    internal static void ThrowTruncated(string name, long offset, string what, long needed, long got) =>
        throw new CaptureFileException(name, offset, $"the file is cut short in {what}: needed {needed} bytes, only {got} remain");
}
