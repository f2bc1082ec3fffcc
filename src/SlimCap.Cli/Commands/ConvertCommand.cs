using System.CommandLine;

namespace SlimCap.Cli.Commands;

/// <summary>
/// <c>slimcap convert IN OUT [EXPR]</c>: any pcap, pcapng or gzip file (or stdin) to nanosecond pcap, or pcapng when OUT
/// ends in <c>.pcapng</c>, keeping what the filter keeps. On damage, every record before it is written and the error
/// names the offset (exit code 1).
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IN") { Description = "Capture file to read (pcap, pcapng, optionally gzip-compressed), or - for stdin." };
        var output = new Argument<string>("OUT") { Description = "File to write: pcapng when it ends in .pcapng, else nanosecond pcap; - for stdout." };
        var expression = new Argument<string[]>("EXPR") { Description = "An optional pcap-filter expression.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("convert", "Convert a capture file to nanosecond pcap or pcapng, optionally keeping only what a filter keeps.") { input, output, expression };
        command.SetAction(parse => ReadCommand.Run(
            new ReadSettings([parse.GetValue(input)!], Capture.FilterExpression.Join(parse.GetValue(expression)), CountOnly: false, Limit: 0,
                Write: parse.GetValue(output), Json: false, Print: false),
            Console.Out, Console.Error));
        return command;
    }
}
