namespace SlimCap.Reactive.Errors;

/// <summary>The interface exists but is administratively or operationally down.</summary>
public sealed class LinkDownException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="interfaceName"/>.</summary>
    public LinkDownException(string interfaceName, string? detail = null)
        : base($"Network interface '{interfaceName}' is down{(detail is null ? "" : " (" + detail + ")")}. Bring it up first, for example 'ip link set {interfaceName} up'.")
    {
        InterfaceName = interfaceName;
    }

    /// <summary>The interface that is down.</summary>
    public string InterfaceName { get; }
}
