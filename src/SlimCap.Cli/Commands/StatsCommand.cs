using System.CommandLine;
using SlimCap.Cli.Capture;
using SlimCap.Cli.Infrastructure;
using SlimCap.Cli.Output;
using SlimCap.Cli.Stats;
using Spectre.Console;

namespace SlimCap.Cli.Commands;

/// <summary>
/// <c>slimcap stats -i IFACE[,IFACE…]</c>: packets/s, bytes/s, kernel drops and queue freezes per interface (and per
/// fan-out member), and the top flows by bytes, refreshed each second: a live table on a terminal, a plain line per
/// interface and second otherwise, JSON lines with <c>--json</c>.
/// </summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var iface = new Option<string>("--interface", "-i") { Description = "Interfaces to watch, comma-separated (eth0,eth1).", Required = true };
        var once = new Option<bool>("--once") { Description = "Show one interval and exit." };
        var json = new Option<bool>("--json") { Description = "One JSON object per interval and line." };
        var interval = new Option<string>("--interval") { Description = "How often to refresh, e.g. 1s (the default) or 500ms.", DefaultValueFactory = _ => "1s" };
        var top = new Option<int>("--top") { Description = "How many flows to show.", DefaultValueFactory = _ => 10 };
        var duration = new Option<string?>("--duration") { Description = "Stop after this long, e.g. 30s." };
        var fanout = new Option<int?>("--fanout") { Description = "Watch through N ring members of one PACKET_FANOUT group per interface, shown per member." };
        var noPromiscuous = new Option<bool>("--no-promiscuous", "-p") { Description = "Do not put the interfaces into promiscuous mode." };
        var snapLength = new Option<int>("--snaplen", "-s") { Description = "Bytes kept of each packet (only headers are needed for flows).", DefaultValueFactory = _ => 256 };
        var expression = new Argument<string[]>("EXPR") { Description = "A pcap-filter expression: count only what it keeps.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("stats", "Watch packet and byte rates, kernel drops and the top flows, live.") { iface, once, json, interval, top, duration, fanout, noPromiscuous, snapLength, expression };
        command.SetAction(parse =>
        {
            string? period = parse.GetValue(duration);
            var settings = new StatsSettings(
                parse.GetValue(iface)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                parse.GetValue(once), parse.GetValue(json), Quantity.ParseDuration("--interval", parse.GetValue(interval)!), parse.GetValue(top),
                period is null ? null : Quantity.ParseDuration("--duration", period), parse.GetValue(fanout), !parse.GetValue(noPromiscuous),
                parse.GetValue(snapLength), FilterExpression.Join(parse.GetValue(expression)));
            return Run(settings, Console.Out, Console.Error);
        });
        return command;
    }

    public static int Run(StatsSettings settings, TextWriter stdout, TextWriter stderr)
    {
        if (settings.Interfaces.Count == 0) throw new UsageException("-i", "names no interface; give one or more, comma-separated.");
        if (settings.Top < 0) throw new UsageException("--top", $"{settings.Top} is negative; give 0 or more flows.");
        if (settings.Interval < TimeSpan.FromMilliseconds(100)) throw new UsageException("--interval", "is shorter than 100ms; refresh at most ten times a second.");
        using var signal = new StopSignal();
        var captures = new List<LiveCapture>();
        try
        {
            foreach (string name in settings.Interfaces.Distinct(StringComparer.Ordinal))
            {
                captures.Add(LiveSourceFactory.Open(new LiveCaptureSettings(name, settings.SnapLength, null, null, TimeSpan.FromMilliseconds(50),
                    settings.Promiscuous, UseSocket: false, settings.Filter, settings.Fanout)));
            }
        }
        catch
        {
            foreach (LiveCapture c in captures) c.Dispose();
            throw;
        }
        stderr.WriteLine($"slimcap: watching {string.Join(", ", captures.Select(c => $"{c.Name} ({c.Description})"))}, every {settings.Interval.TotalSeconds:0.###} s");
        using var deadline = settings.Duration is TimeSpan d ? new Timer(_ => signal.Stop(), null, d, Timeout.InfiniteTimeSpan) : null;
        StatsSample last;
        using (var monitor = new StatsMonitor(captures, signal.Token))
        {
            bool live = Terminal.StdoutIsTerminal && !settings.Json && !settings.Once;
            if (live)
            {
                IAnsiConsole console = Terminal.Create(stdout, interactive: true);
                console.Live(new Text("slimcap: waiting for the first interval...")).Start(context =>
                {
                    while (Wait(settings.Interval, signal.Token) && monitor.Failure is null)
                    {
                        last = monitor.Sample(settings.Top);
                        context.UpdateTarget(StatsViews.Table(last));
                    }
                });
            }
            else
            {
                while (Wait(settings.Interval, signal.Token) && monitor.Failure is null)
                {
                    last = monitor.Sample(settings.Top);
                    if (settings.Json) stdout.WriteLine(StatsViews.Json(last));
                    else if (settings.Once && Terminal.StdoutIsTerminal) Terminal.Create(stdout, interactive: true).Write(StatsViews.Table(last));
                    else foreach (string line in StatsViews.Lines(last)) stdout.WriteLine(line);
                    stdout.Flush();
                    if (settings.Once) break;
                }
            }
            signal.Stop();
            if (monitor.Failure is Exception failure) return ErrorReport.Write(failure, stderr);
            // The totals when the capture threads stopped, not at the last tick.
            last = monitor.Sample(settings.Top);
        }
        stderr.WriteLine("slimcap: " + string.Join("; ", last.Rows.Select(r => $"{r.Name}: {r.Packets} packets, {r.Bytes} bytes captured, kernel dropped {r.Drops}")));
        return ExitCodes.Ok;
    }

    /// <summary>Waits one interval; false when the stop came first.</summary>
    private static bool Wait(TimeSpan interval, CancellationToken stop) => !stop.WaitHandle.WaitOne(interval);
}
