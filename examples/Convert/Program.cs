// Convert IN OUT: reads any capture file SlimCap.Reactive reads (pcap, pcapng, gzip-compressed; "-" for
// stdin) and writes it as nanosecond pcap, or as pcapng when OUT ends in .pcapng ("-" for stdout, pcap).
// Damaged input: every record before the damage is written, the error (with its offset) goes to stderr,
// and the exit code is 1. --filter EXPR keeps only the records a pcap-filter expression matches, as
// tcpdump -r IN -w OUT EXPR does; an invalid expression is an error (exit 1) before OUT is created.
using System.CommandLine;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;

var input = new Argument<string>("IN") { Description = "Capture file to read (pcap, pcapng, optionally gzip-compressed), or - for stdin." };
var output = new Argument<string>("OUT") { Description = "File to write: pcapng when it ends in .pcapng, otherwise nanosecond pcap; - for stdout." };
var filter = new Option<string?>("--filter", "-f") { Description = "Keep only the records this pcap-filter expression (tcpdump's language) matches." };
var root = new RootCommand("Converts a capture file to nanosecond pcap or pcapng.") { input, output, filter };
root.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(filter)));
return root.Parse(args).Invoke();

static int Run(string inputPath, string outputPath, string? filter)
{
    try
    {
        // Open the input first (and compile the filter): a file that is not a capture, or a bad expression, must not
        // leave an empty output behind.
        using CaptureFileSource source = CaptureFileSource.Open(inputPath, new CaptureFileOptions { Filter = filter });
        using CaptureFileWriter writer = CaptureFileWriter.Create(outputPath);
        long records = CaptureFileConverter.Copy(source, writer);
        Console.Error.WriteLine($"convert: {records} records from {inputPath} ({source.Format}{(source.IsCompressed ? ", gzip" : "")}) to {outputPath} ({writer.Format})");
        return 0;
    }
    catch (Exception e) when (e is CaptureFileException or SlimCap.Reactive.FilterLanguage.FilterExpressionException or SlimCap.Reactive.Errors.InvalidCaptureOptionException)
    {
        Console.Error.WriteLine($"convert: {e.Message}");
        return 1;
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"convert: {e.Message}");
        return 1;
    }
    catch (UnauthorizedAccessException e)
    {
        Console.Error.WriteLine($"convert: {e.Message}");
        return 1;
    }
}
