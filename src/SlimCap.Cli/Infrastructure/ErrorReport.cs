using SlimCap.Reactive;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.FilterLanguage;

namespace SlimCap.Cli.Infrastructure;

/// <summary>
/// Turns the exceptions a command can end with into one line on stderr (the problem and the fix) and an exit code.
/// The library's typed exceptions already name the interface, option, call or file offset; this adds the tool's
/// own words for the fix where the library cannot know them (its option names are not the tool's flags).
/// </summary>
internal static class ErrorReport
{
    /// <summary>Writes the line for <paramref name="error"/> to <paramref name="stderr"/> and returns the exit code.</summary>
    public static int Write(Exception error, TextWriter stderr)
    {
        (string line, int code) = Describe(error);
        stderr.WriteLine($"slimcap: {line}");
        return code;
    }

    /// <summary>The one-line message and the exit code for <paramref name="error"/>.</summary>
    public static (string Line, int ExitCode) Describe(Exception error) => error switch
    {
        UsageException e => (OneLine(e.Message), ExitCodes.Usage),
        InvalidCaptureOptionException e => ($"{OptionFlag(e.OptionName)} {OneLine(e.Reason)}; change that value (see --help).", ExitCodes.Usage),
        FilterExpressionException e => ($"{OneLine(e.Message)}; fix the expression (pcap-filter(7) describes the language).", ExitCodes.Usage),
        InvalidInterfaceNameException e => ($"-i: {OneLine(e.Message).TrimEnd('.')}; 'slimcap list' shows the interfaces.", ExitCodes.Usage),
        InterfaceNotFoundException e => (OneLine(e.Message).TrimEnd('.') + "; 'slimcap list' shows them.", ExitCodes.Failure),
        CaptureFileException e => (OneLine(e.Message), ExitCodes.Failure),
        CaptureException e => (OneLine(e.Message), ExitCodes.Failure),
        FileNotFoundException e => ($"{e.FileName ?? "file"}: no such file; check the path.", ExitCodes.Failure),
        DirectoryNotFoundException e => ($"{OneLine(e.Message)} Create the directory first or check the path.", ExitCodes.Failure),
        UnauthorizedAccessException e => ($"{OneLine(e.Message)} Choose a path this user may write, or run with the rights it needs.", ExitCodes.Failure),
        IOException e => ($"{OneLine(e.Message)}", ExitCodes.Failure),
        _ => throw new InvalidOperationException("unexpected exception", error),
    };

    /// <summary>True for the exceptions <see cref="Describe"/> reports instead of letting them crash the tool.</summary>
    public static bool IsReportable(Exception error) =>
        error is CaptureException or InvalidCaptureOptionException or IOException or UnauthorizedAccessException;

    /// <summary>The tool's flag for a library option name, so the fix names what the user typed.</summary>
    private static string OptionFlag(string optionName) => optionName switch
    {
        "BlockSize" => "--block-size",
        "BlockCount" => "-B (ring size)",
        "BlockTimeout" => "--timeout",
        "CaptureLength" or "SnapLength" => "-s (snap length)",
        _ => optionName,
    };

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
