namespace SlimCap.Reactive;

/// <summary>
/// A name that no Linux interface can have (empty, longer than 15 bytes, or holding '/', ':', whitespace or NUL): no
/// interface is looked up for it.
/// </summary>
public sealed class InvalidInterfaceNameException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="interfaceName"/>.</summary>
    public InvalidInterfaceNameException(string interfaceName)
        : base($"'{interfaceName}' is not a valid interface name (1 to 15 bytes, no '/', ':', whitespace or NUL).")
    {
        InterfaceName = interfaceName;
    }

    /// <summary>The name that was given.</summary>
    public string InterfaceName { get; }
}
