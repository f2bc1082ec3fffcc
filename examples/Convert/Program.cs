// Convert IN OUT: reads any capture file SlimCap.Reactive reads (pcap, pcapng, gzip-compressed; "-" for
// stdin) and writes it as nanosecond pcap, or as pcapng when OUT ends in .pcapng ("-" for stdout, pcap).
// Damaged input: every record before the damage is written, the error (with its offset) goes to stderr,
// and the exit code is 1.
using System.CommandLine;
using SlimCap.Reactive.Files;

var input = new Argument<string>("IN") { Description = "Capture file to read (pcap, pcapng, optionally gzip-compressed), or - for stdin." };
var output = new Argument<string>("OUT") { Description = "File to write: pcapng when it ends in .pcapng, otherwise nanosecond pcap; - for stdout." };
var root = new RootCommand("Converts a capture file to nanosecond pcap or pcapng.") { input, output };
root.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output)!));
return root.Parse(args).Invoke();

static int Run(string inputPath, string outputPath)
{
    try
    {
        // Open the input first: a file that is not a capture must not leave an empty output behind.
        using CaptureFileSource source = CaptureFileSource.Open(inputPath);
        using CaptureFileWriter writer = CaptureFileWriter.Create(outputPath);
        long records = CaptureFileConverter.Copy(source, writer);
        Console.Error.WriteLine($"convert: {records} records from {inputPath} ({source.Format}{(source.IsCompressed ? ", gzip" : "")}) to {outputPath} ({writer.Format})");
        return 0;
    }
    catch (CaptureFileException e)
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
