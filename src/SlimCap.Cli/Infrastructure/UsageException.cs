using SlimCap.Reactive;
using SlimCap.Reactive.Errors;

namespace SlimCap.Cli.Infrastructure;

/// <summary>
/// A command line the tool cannot carry out (exit code 2). The message names the option or argument and says what
/// to write instead.
/// </summary>
internal sealed class UsageException : CaptureException
{
    public UsageException(string option, string problemAndFix) : base($"{option}: {problemAndFix}")
    {
        Option = option;
    }

    /// <summary>The option or argument at fault, as written on the command line (e.g. <c>--rotate</c>).</summary>
    public string Option { get; }
}
