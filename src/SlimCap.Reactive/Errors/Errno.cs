using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Errors;

/// <summary>errno values the library sorts on, and their names for messages.</summary>
internal static class Errno
{
    public const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, ENXIO = 6, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
        EACCES = 13, EFAULT = 14, EBUSY = 16, ENODEV = 19, EINVAL = 22, EMFILE = 24, ENOSPC = 28, ENOPROTOOPT = 92,
        EPROTONOSUPPORT = 93, EAFNOSUPPORT = 97, ENETDOWN = 100, ECONNRESET = 104, ENOBUFS = 105;

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", EINTR => "EINTR", EIO => "EIO", ENXIO => "ENXIO", EBADF => "EBADF",
        EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES", EFAULT => "EFAULT", EBUSY => "EBUSY",
        ENODEV => "ENODEV", EINVAL => "EINVAL", EMFILE => "EMFILE", ENOSPC => "ENOSPC", ENOPROTOOPT => "ENOPROTOOPT",
        EPROTONOSUPPORT => "EPROTONOSUPPORT", EAFNOSUPPORT => "EAFNOSUPPORT", ENETDOWN => "ENETDOWN",
        ECONNRESET => "ECONNRESET", ENOBUFS => "ENOBUFS",
        _ => "errno " + errno,
    };

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    public static int Last => Marshal.GetLastPInvokeError();
}
