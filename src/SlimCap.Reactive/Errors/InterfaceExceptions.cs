namespace SlimCap.Reactive;

/// <summary>The named network interface does not exist. The message lists the ones that do.</summary>
public sealed class InterfaceNotFoundException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="interfaceName"/>.</summary>
    public InterfaceNotFoundException(string interfaceName, IReadOnlyList<string> available)
        : base($"Network interface '{interfaceName}' does not exist. Available interfaces: {(available.Count == 0 ? "(none)" : string.Join(", ", available))}.")
    {
        InterfaceName = interfaceName;
        AvailableInterfaces = available;
    }

    /// <summary>The name that was asked for.</summary>
    public string InterfaceName { get; }

    /// <summary>The interfaces the host has.</summary>
    public IReadOnlyList<string> AvailableInterfaces { get; }
}

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

/// <summary>The interface disappeared (was deleted, or its namespace was) while capturing.</summary>
public sealed class InterfaceGoneException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="interfaceName"/>.</summary>
    public InterfaceGoneException(string interfaceName, int interfaceIndex)
        : base($"Network interface '{interfaceName}' (index {interfaceIndex}) no longer exists; the capture has ended.")
    {
        InterfaceName = interfaceName;
        InterfaceIndex = interfaceIndex;
    }

    /// <summary>The interface that went away.</summary>
    public string InterfaceName { get; }

    /// <summary>Its index while it existed.</summary>
    public int InterfaceIndex { get; }
}

/// <summary>
/// An option value is invalid. Raised before any socket is opened; names the option and why.
/// </summary>
public sealed class InvalidCaptureOptionException : ArgumentException
{
    /// <summary>Creates the exception for option <paramref name="optionName"/>.</summary>
    public InvalidCaptureOptionException(string optionName, string reason)
        : base($"Invalid capture option {optionName}: {reason}", optionName)
    {
        OptionName = optionName;
        Reason = reason;
    }

    /// <summary>The option's name, as the options type spells it.</summary>
    public string OptionName { get; }

    /// <summary>Why the value was refused.</summary>
    public string Reason { get; }
}
