namespace SlimCap.Reactive.Errors;

/// <summary>The named network interface does not exist. The message lists the ones that do.</summary>
public sealed class InterfaceNotFoundException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="interfaceName"/>.</summary>
    public InterfaceNotFoundException(string interfaceName, IReadOnlyList<string> available)
        : base($"Network interface '{InterfaceNames.Escape(interfaceName)}' does not exist. Available interfaces: {(available.Count == 0 ? "(none)" : string.Join(", ", available.Select(InterfaceNames.Escape)))}.")
    {
        InterfaceName = interfaceName;
        AvailableInterfaces = available;
    }

    /// <summary>The name that was asked for.</summary>
    public string InterfaceName { get; }

    /// <summary>The interfaces the host has.</summary>
    public IReadOnlyList<string> AvailableInterfaces { get; }
}
