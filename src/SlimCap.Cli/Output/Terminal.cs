using Spectre.Console;

namespace SlimCap.Cli.Output;

/// <summary>Where the tool writes, and whether a person is watching it.</summary>
internal static class Terminal
{
    /// <summary>True when stdout is a terminal (not a pipe or a file): tables and live views, not plain lines.</summary>
    public static bool StdoutIsTerminal => !Console.IsOutputRedirected;

    /// <summary>True when stderr is a terminal: progress may be drawn there.</summary>
    public static bool StderrIsTerminal => !Console.IsErrorRedirected;

    /// <summary>A Spectre console over <paramref name="writer"/>, with colour and live redraws only on a terminal.</summary>
    public static IAnsiConsole Create(TextWriter writer, bool interactive)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        // A pipe has no width: do not wrap cells at 80 columns for a reader that parses lines.
        if (!interactive) console.Profile.Width = 400;
        return console;
    }
}
