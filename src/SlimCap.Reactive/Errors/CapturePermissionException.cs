namespace SlimCap.Reactive.Errors;

/// <summary>
/// A call was refused for lack of privilege (EPERM or EACCES). Capturing on AF_PACKET sockets
/// needs CAP_NET_RAW (or root); the message says so.
/// </summary>
public sealed class CapturePermissionException : NativeCallException
{
    /// <summary>Creates the exception for <paramref name="call"/> refused with <paramref name="errno"/>.</summary>
    public CapturePermissionException(string call, int errno, string? interfaceName)
        : base(call, errno, interfaceName,
               "Packet capture needs the CAP_NET_RAW capability (or root): run as root, or grant it to your app's own executable " +
               "(a self-contained or apphost build: 'sudo setcap cap_net_raw+ep ./MyApp'). setcap does not apply to 'dotnet MyApp.dll': " +
               "the capability would have to go on the shared dotnet host, which gives it to every .NET program; run those as root instead.")
    {
    }
}
