using System.Diagnostics.CodeAnalysis;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Interop;

/// <summary>Throw sites kept out of hot methods; errno is turned into the typed exception here.</summary>
internal static class ThrowHelper
{
    /// <summary>The exception for <paramref name="call"/> failing with <paramref name="errno"/>.</summary>
    public static NativeCallException NativeCall(string call, int errno, string? interfaceName) =>
        errno is Errno.EPERM or Errno.EACCES
            ? new CapturePermissionException(call, errno, interfaceName)
            : new NativeCallException(call, errno, interfaceName);

    [DoesNotReturn]
    public static void ThrowNativeCall(string call, int errno, string? interfaceName) =>
        throw NativeCall(call, errno, interfaceName);

    [DoesNotReturn]
    public static void ThrowLastError(string call, string? interfaceName) =>
        throw NativeCall(call, Errno.Last, interfaceName);
}
