namespace SlimCap.Reactive;

/// <summary>
/// A call was refused for lack of privilege (EPERM or EACCES). Capturing on AF_PACKET sockets
/// needs CAP_NET_RAW (or root); the message says so.
/// </summary>
public sealed class CapturePermissionException : NativeCallException
{
    /// <summary>Creates the exception for <paramref name="call"/> refused with <paramref name="errno"/>.</summary>
    public CapturePermissionException(string call, int errno, string? interfaceName)
        : base(call, errno, interfaceName,
               "Packet capture needs the CAP_NET_RAW capability (or root): run as root, or grant it with 'setcap cap_net_raw+ep' on the executable.")
    {
    }
}
