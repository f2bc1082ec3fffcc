namespace SlimCap.Reactive.Errors;

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

    /// <summary>Throws for <paramref name="optionName"/> unless <paramref name="value"/> lies in [<paramref name="min"/>, <paramref name="max"/>]; the message states both limits.</summary>
    internal static void ThrowIfOutOfRange(long value, long min, long max, string optionName)
    {
        if (value < min || value > max)
            throw new InvalidCaptureOptionException(optionName, $"must be between {min} and {max}; got {value}.");
    }
}
