using System.Globalization;
using System.Text.RegularExpressions;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Cli;

/// <summary>
/// <c>slimcap capture --rotate</c> in a test namespace: the finished files, read by tcpdump, hold every frame once and
/// in order, each file is valid, the ring never holds more than <c>files</c> files, and <c>--on-rotate</c> ran once
/// for each finished file.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed partial class CliRotationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("slimcap-rotate-").FullName;

    [Fact]
    public void By_packets_in_a_ring_of_three_keeps_the_last_three_files_and_runs_the_hook_for_all_five()
    {
        Privileges.RequireNetworkNamespaces();
        Tcpdump.Require();
        string hooks = Path.Combine(_directory, "hooks.log");
        (List<string> files, int mostFilesSeen) = Capture(50, i => Frames.Udp(i, 80), "out.pcap", "packets=10,files=3", $"echo >> '{hooks}'");

        Assert.True(mostFilesSeen <= 3, $"{mostFilesSeen} files existed at once");
        Assert.Equal([3, 4, 5], files.Select(Counter));
        Assert.Equal(Enumerable.Range(20, 30).Select(i => (long)i), files.SelectMany(f => Sequences(f)));
        Assert.All(files, f => Assert.Equal(10, Tcpdump.Records(f).Count));
        string[] hookRuns = File.ReadAllLines(hooks);
        // Each hook is its own process started as its file is finished: they run side by side, as tcpdump's -z
        // commands do, so the order of their appends to the log is the scheduler's; every file gets its one run.
        Assert.Equal(Enumerable.Range(1, 5), hookRuns.Select(Counter).Order());
        Assert.All(files, f => Assert.Contains(f, hookRuns));
    }

    [Fact]
    public void By_size_every_file_but_the_last_reaches_the_size_and_the_files_hold_every_frame_once()
    {
        Privileges.RequireNetworkNamespaces();
        Tcpdump.Require();
        const int Limit = 4000;
        (List<string> files, _) = Capture(60, i => Frames.Udp(i, 200), "out.pcapng", $"size={Limit}B", null);

        Assert.True(files.Count >= 3, $"{files.Count} files");
        Assert.Equal(Enumerable.Range(1, files.Count), files.Select(Counter));
        Assert.Equal(Enumerable.Range(0, 60).Select(i => (long)i), files.SelectMany(f => Sequences(f)));
        foreach (string f in files.SkipLast(1))
        {
            long length = new FileInfo(f).Length;
            Assert.True(length >= Limit, $"{Path.GetFileName(f)} has {length} bytes, below the {Limit} it should reach");
            // It ended at the first record that reached the size: without that record it was below it.
            Assert.True(length - Tcpdump.Records(f)[^1].Data.Length - 32 - 8 < Limit, $"{Path.GetFileName(f)} went on past the size");
        }
    }

    [Fact]
    public void By_time_each_file_holds_the_packets_of_one_aligned_period()
    {
        Privileges.RequireNetworkNamespaces();
        Tcpdump.Require();
        // 50 frames 60 ms apart: three seconds, so at least three one-second files.
        (List<string> files, _) = Capture(50, i => Frames.Udp(i, 90), "out.pcap", "time=1s", null, pace: TimeSpan.FromMilliseconds(60));

        Assert.True(files.Count >= 3, $"{files.Count} files");
        Assert.Equal(Enumerable.Range(1, files.Count), files.Select(Counter));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), files.SelectMany(f => Sequences(f)));
        foreach (string f in files)
        {
            DateTimeOffset start = StartOf(f);
            Assert.Equal(0, start.Millisecond);
            foreach (var record in Tcpdump.Records(f))
            {
                var time = DateTimeOffset.UnixEpoch.AddTicks(record.TimestampNs / 100);
                Assert.True(time >= start && time < start.AddSeconds(1), $"{Path.GetFileName(f)} holds a packet of {time:O}");
            }
        }
    }

    /// <summary>
    /// Runs the capture until <paramref name="count"/> frames, injecting them from the peer, and watches the directory
    /// meanwhile; returns the finished files in counter order and the most capture files seen at once.
    /// </summary>
    private (List<string> Files, int MostFilesSeen) Capture(int count, Func<int, byte[]> frame, string name, string rotate, string? hook, TimeSpan? pace = null)
    {
        using var net = new TestNetwork();
        string[] arguments = ["capture", "-i", net.CaptureInterface, "-c", $"{count}", "-w", Path.Combine(_directory, name), "--rotate", rotate, "--timeout", "20ms",
            .. hook is null ? Array.Empty<string>() : ["--on-rotate", hook]];
        using var tool = SlimCapTool.Start(net.CaptureNamespace, arguments);
        Assert.True(tool.WaitForStderr("capturing on"), tool.Stderr);
        int most = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!watching.IsCancellationRequested)
            {
                most = Math.Max(most, CaptureFiles(includePartial: true).Count);
                Thread.Sleep(5);
            }
        });
        if (pace is TimeSpan gap)
        {
            for (int i = 0; i < count; i++)
            {
                net.InjectFromPeer([frame(i)]);
                Thread.Sleep(gap);
            }
        }
        else
        {
            net.InjectFromPeer(Enumerable.Range(0, count).Select(frame));
        }
        int exit = tool.WaitForExit(30_000);
        watching.Cancel();
        watcher.Wait();
        Assert.True(exit == 0, tool.Stderr);
        Assert.Empty(Directory.GetFiles(_directory, "*.part"));
        return (CaptureFiles(includePartial: false), most);
    }

    private List<string> CaptureFiles(bool includePartial) =>
        Directory.GetFiles(_directory, "out_*").Where(f => includePartial || !f.EndsWith(".part", StringComparison.Ordinal))
            .OrderBy(Counter).ToList();

    private static IEnumerable<long> Sequences(string file) => Tcpdump.Records(file).Select(r => Frames.SequenceOf(r.Data));

    private static int Counter(string path) => int.Parse(NamePattern().Match(Path.GetFileName(path)).Groups[1].Value, CultureInfo.InvariantCulture);

    private static DateTimeOffset StartOf(string path) =>
        DateTimeOffset.ParseExact(NamePattern().Match(Path.GetFileName(path)).Groups[2].Value, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal);

    [GeneratedRegex(@"^out_(\d{5})_(\d{8}T\d{6}Z)\.pcap(ng)?(\.part)?$")]
    private static partial Regex NamePattern();

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
