using System.Diagnostics.CodeAnalysis;

namespace SlimCap.Reactive.Errors;

/// <summary>
/// A system call failed. Names the call, the interface it was made for (where there is one)
/// and the errno, so a log line alone says what went wrong.
/// </summary>
public class NativeCallException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="errno"/>.</summary>
    public NativeCallException(string call, int errno, string? interfaceName, string? detail = null)
        : base(Format(call, errno, interfaceName, detail))
    {
        Call = call;
        Errno = errno;
        InterfaceName = interfaceName;
        HResult = errno;
    }

    /// <summary>The failing call, for example <c>setsockopt(PACKET_RX_RING)</c>.</summary>
    public string Call { get; }

    /// <summary>The errno the call returned.</summary>
    public int Errno { get; }

    /// <summary>The interface the call was made for, or null when the call is not tied to one.</summary>
    public string? InterfaceName { get; }

    /// <summary>The errno's symbolic name, for example <c>EPERM</c>.</summary>
    public string ErrnoName => Errors.Errno.Name(Errno);

    /// <summary>The exception for <paramref name="call"/> failing with <paramref name="errno"/>: a
    /// <see cref="CapturePermissionException"/> for EPERM and EACCES, which say what capability is missing.</summary>
    internal static NativeCallException For(string call, int errno, string? interfaceName) =>
        errno is Errors.Errno.EPERM or Errors.Errno.EACCES
            ? new CapturePermissionException(call, errno, interfaceName)
            : new NativeCallException(call, errno, interfaceName);

    /// <summary>Throws <see cref="For"/>'s exception; a call of its own, so throw sites stay out of hot methods.</summary>
    [DoesNotReturn]
    internal static void Throw(string call, int errno, string? interfaceName) => throw For(call, errno, interfaceName);

    /// <summary>Throws for <paramref name="call"/> with the errno the last P/Invoke left.</summary>
    [DoesNotReturn]
    internal static void ThrowLastError(string call, string? interfaceName) => throw For(call, Errors.Errno.Last, interfaceName);

    private static string Format(string call, int errno, string? interfaceName, string? detail)
    {
        string where = interfaceName is null ? "" : $" on interface '{interfaceName}'";
        string extra = detail is null ? "" : " " + detail;
        return $"{call} failed{where}: {Errors.Errno.Name(errno)} ({errno}, {Errors.Errno.Describe(errno)}).{extra}";
    }
}
