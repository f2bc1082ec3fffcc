namespace SlimCap.Reactive;

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
