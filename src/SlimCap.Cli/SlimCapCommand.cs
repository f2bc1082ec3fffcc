using System.CommandLine;
using SlimCap.Cli.Commands;
using SlimCap.Cli.Infrastructure;

namespace SlimCap.Cli;

/// <summary>The <c>slimcap</c> root command: its subcommands, and the exit code for a command line that does not parse.</summary>
internal static class SlimCapCommand
{
    public static RootCommand Create() => new("slimcap: capture, read and convert packets on Linux with SlimCap.Reactive (AF_PACKET TPACKET_V3). Exit codes: 0 ok, 1 capture or file error, 2 usage.")
    {
        ListCommand.Create(),
        CaptureCommand.Create(),
        ReadCommand.Create(),
        ConvertCommand.Create(),
        StatsCommand.Create(),
    };

    public static int Run(string[] args)
    {
        ParseResult parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line per problem and the fix, exit 2 (System.CommandLine's own error action would exit 1).
            foreach (var error in parse.Errors) Console.Error.WriteLine($"slimcap: {error.Message}");
            Console.Error.WriteLine($"slimcap: see 'slimcap {string.Join(' ', CommandPath(parse.CommandResult.Command, parse))} --help'.".Replace("  ", " ", StringComparison.Ordinal));
            return ExitCodes.Usage;
        }
        try
        {
            // Signals are the commands' own (StopSignal): they complete files and print a summary.
            return parse.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (ErrorReport.IsReportable(e))
        {
            return ErrorReport.Write(e, Console.Error);
        }
    }

    private static IEnumerable<string> CommandPath(Command command, ParseResult parse) =>
        command == parse.RootCommandResult.Command ? [] : [command.Name];
}
