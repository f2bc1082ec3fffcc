namespace SlimCap.Reactive.Errors;

/// <summary>
/// A name that no network interface can have, refused before any look-up, as the kernel's
/// <c>dev_valid_name</c> refuses it: empty, longer than 15 UTF-8 bytes (IFNAMSIZ with its NUL), "." or "..",
/// or holding '/', ':', NUL, whitespace the kernel counts as such (tab, LF, VT, FF, CR, space, and the byte 0xA0, which
/// is in U+00A0 and other characters' UTF-8) or a lone surrogate (which has no UTF-8 form). Other Unicode, U+2003
/// and U+3000 included, is valid. The message shows the name escaped (<c>\0</c>, <c>\r</c>, <c>\n</c>, <c>\uXXXX</c>
/// for other control and surrogate characters), never its raw control characters.
/// </summary>
/// <remarks>Thread safety: immutable once thrown.</remarks>
public sealed class InvalidInterfaceNameException : CaptureException
{
    /// <summary>Creates the exception for <paramref name="interfaceName"/>, refused for <paramref name="reason"/>.</summary>
    public InvalidInterfaceNameException(string interfaceName, string reason)
        : base($"'{InterfaceNames.Escape(interfaceName)}' is not a valid network interface name: {reason}.")
    {
        InterfaceName = interfaceName;
        Reason = reason;
    }

    /// <summary>The name as given (unescaped).</summary>
    public string InterfaceName { get; }

    /// <summary>Why the kernel would refuse it.</summary>
    public string Reason { get; }
}
