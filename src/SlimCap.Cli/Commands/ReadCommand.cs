using System.CommandLine;
using SlimCap.Cli.Capture;
using SlimCap.Cli.Infrastructure;
using SlimCap.Cli.Output;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Commands;

/// <summary>
/// <c>slimcap read FILE... [EXPR]</c>: print, count or re-write the records of pcap, pcapng or gzip files (or stdin,
/// <c>-</c>), optionally through a pcap-filter expression run as tcpdump runs it on a file.
/// </summary>
internal static class ReadCommand
{
    public static Command Create()
    {
        var words = new Argument<string[]>("FILE... [EXPR]") { Description = "Capture files (pcap, pcapng, gzip; - for stdin), then an optional pcap-filter expression.", Arity = ArgumentArity.OneOrMore };
        var countOnly = new Option<bool>("--count") { Description = "Print only the number of records (that the filter keeps)." };
        var limit = new Option<long>("-c") { Description = "Stop after this many records." };
        var write = new Option<string?>("--write", "-w") { Description = "Write the records to FILE: pcapng when it ends in .pcapng, else nanosecond pcap; - for stdout." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per record and line." };
        var print = new Option<bool>("--print") { Description = "Print one line per record (the default without -w, --count or --json)." };
        var command = new Command("read", "Read capture files: print their records, count them, or write them to another file.") { words, countOnly, limit, write, json, print };
        command.SetAction(parse =>
        {
            (List<string> files, string? expression) = Split(parse.GetValue(words)!);
            return Run(new ReadSettings(files, expression, parse.GetValue(countOnly), parse.GetValue(limit), parse.GetValue(write), parse.GetValue(json), parse.GetValue(print)),
                Console.Out, Console.Error);
        });
        return command;
    }

    /// <summary>
    /// The leading words that name files (<c>-</c> or an existing path) and the expression the rest make. A first word
    /// that is neither is taken as a missing file, which then fails with its name.
    /// </summary>
    public static (List<string> Files, string? Expression) Split(IReadOnlyList<string> words)
    {
        int n = 0;
        while (n < words.Count && (words[n] == "-" || File.Exists(words[n]) || (n == 0))) n++;
        return ([.. words.Take(n)], FilterExpression.Join([.. words.Skip(n)]));
    }

    public static int Run(ReadSettings settings, TextWriter stdout, TextWriter stderr)
    {
        Validate(settings);
        using var signal = new StopSignal();
        var filter = settings.Expression is null ? null : new PacketFilter(settings.Expression, 262144);
        // Open the first input before the output: a file that is not a capture must not leave an empty output behind.
        CaptureFileSource first = CaptureFileSource.Open(settings.Files[0]);
        try
        {
            filter?.Prepare(first.LinkType);
        }
        catch
        {
            first.Dispose();
            throw;
        }
        IPacketSink? sink = null;
        long total = 0;
        int filesRead = 0;
        Exception? failure = null;
        try
        {
            sink = CreateSink(settings, stdout, first);
            for (int i = 0; i < settings.Files.Count && !signal.Token.IsCancellationRequested; i++)
            {
                using CaptureFileSource source = i == 0 ? first : CaptureFileSource.Open(settings.Files[i]);
                var progress = new ReadProgress(stderr, source, settings.Files[i], Terminal.StderrIsTerminal);
                using var feed = new SourceFeed(source);
                long before = total;
                try
                {
                    total += PacketPump.Run(feed, sink, filter, settings.Limit == 0 ? 0 : settings.Limit - total, signal.Token,
                        written => progress.Update(before + written));
                }
                finally
                {
                    progress.Clear();
                }
                filesRead++;
                if (settings.Limit != 0 && total >= settings.Limit) break;
            }
        }
        catch (Exception e) when (ErrorReport.IsReportable(e))
        {
            failure = e;
        }
        finally
        {
            first.Dispose();
            try
            {
                sink?.Complete();
            }
            catch (Exception e) when (ErrorReport.IsReportable(e) && failure is null)
            {
                failure = e;
            }
        }
        if (settings.CountOnly) stdout.WriteLine(total);
        string kept = filter is null ? "" : $" kept by '{settings.Expression}'";
        stderr.WriteLine($"slimcap: {total} records{kept} from {filesRead} of {settings.Files.Count} files" + (settings.Write is null ? "" : $", written to {settings.Write}"));
        return failure is null ? ExitCodes.Ok : ErrorReport.Write(failure, stderr);
    }

    private static void Validate(ReadSettings s)
    {
        if (s.Limit < 0) throw new UsageException("-c", $"{s.Limit} is negative; give the number of records to read, or leave -c out.");
        int modes = (s.CountOnly ? 1 : 0) + (s.Json ? 1 : 0) + (s.Print ? 1 : 0);
        if (modes > 1) throw new UsageException("--count", "--count, --json and --print each choose what stdout shows; give one of them.");
        if (s.Write == "-" && modes > 0) throw new UsageException("-w -", "the file goes to stdout, and so would --count/--json/--print; write to a path or drop them.");
        if (s.Files.Count(f => f == "-") > 1) throw new UsageException("FILE", "stdin (-) can be read once; give it at most once.");
    }

    private static IPacketSink CreateSink(ReadSettings s, TextWriter stdout, CaptureFileSource first)
    {
        var sinks = new List<IPacketSink>();
        if (s.Write is not null)
            sinks.Add(FileSink.Create(s.Write, new CaptureFileWriterOptions { EmptyFileLinkType = first.LinkType }));
        if (s.Json) sinks.Add(new JsonSink(Console.OpenStandardOutput()));
        else if (s.Print || (s.Write is null && !s.CountOnly)) sinks.Add(new PrintSink(stdout));
        return sinks.Count switch
        {
            0 => new CountSink(),
            1 => sinks[0],
            _ => new TeeSink(sinks),
        };
    }
}
