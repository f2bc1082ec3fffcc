namespace SlimCap.Reactive.Errors;

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
