using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Cli;

/// <summary>
/// <c>slimcap stats</c>: the live view drawn in a real terminal (tmux) and its plain and JSON lines, with the numbers
/// checked against the frames injected from the veth peer.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed partial class CliStatsTests
{
    private const int Frames100 = 400;

    [Fact]
    public void The_live_view_in_a_terminal_shows_the_packets_bytes_and_top_flow_sent_and_ctrl_c_ends_it()
    {
        Privileges.RequireNetworkNamespaces();
        TmuxSession.Require();
        using var net = new TestNetwork();
        string dll = Path.Combine(AppContext.BaseDirectory, "slimcap.dll");
        using var tmux = new TmuxSession($"ip netns exec {net.CaptureNamespace} dotnet {dll} stats -i {net.CaptureInterface}");
        string screen = tmux.WaitFor(s => s.Contains("top flows by bytes", StringComparison.Ordinal));
        Assert.Contains("top flows by bytes", screen, StringComparison.Ordinal);

        net.InjectFromPeer(Enumerable.Range(0, Frames100).Select(i => Frames.Udp(i, 100)));
        string totals = $"{Frames100} │ {Frames100 * 100} │";
        screen = tmux.WaitFor(s => s.Contains(totals, StringComparison.Ordinal), 10_000);

        Assert.Matches($@"│ +{Regex.Escape(net.CaptureInterface)} │ +[\d,]+ │ +[\d,]+ │ +{Frames100} │ +{Frames100 * 100} │ +0 │ +0 │", screen);
        Assert.Matches($@"│ UDP 198\.18\.0\.1:1024 <> 198\.19\.0\.2:9000 +│ {Frames100} +│ {Frames100 * 100} +│", screen);

        var clock = Stopwatch.StartNew();
        tmux.SendKeys("C-c");
        while (!tmux.Ended && clock.ElapsedMilliseconds < 5000) Thread.Sleep(20);
        Assert.True(tmux.Ended, "Ctrl+C did not end the live view within 5 s");
        Assert.True(clock.ElapsedMilliseconds < 1500, $"Ctrl+C took {clock.ElapsedMilliseconds} ms (tmux polling included)");
        Assert.Contains($"{net.CaptureInterface}: {Frames100} packets, {Frames100 * 100} bytes captured, kernel dropped 0", tmux.Screen(), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_terminal_each_second_is_one_plain_line_whose_rates_add_up_to_the_traffic_sent()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var tool = SlimCapTool.Start(net.CaptureNamespace, "stats", "-i", net.CaptureInterface, "--duration", "4.5s");
        Assert.True(tool.WaitForStderr("slimcap: watching"), tool.Stderr);
        // Two bursts a second and a half apart, so at least two intervals carry traffic.
        net.InjectFromPeer(Enumerable.Range(0, 200).Select(i => Frames.Udp(i, 100)));
        Thread.Sleep(1500);
        net.InjectFromPeer(Enumerable.Range(200, 200).Select(i => Frames.Udp(i, 100)));
        Assert.True(tool.WaitForExit(20_000) == 0, tool.Stderr);

        var lines = System.Text.Encoding.UTF8.GetString(tool.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => PlainLine().Match(l)).ToList();
        Assert.True(lines.Count >= 4, string.Join('\n', lines));
        Assert.All(lines, m => Assert.True(m.Success && m.Groups["name"].Value == net.CaptureInterface, m.Value));
        long Value(Match m, string g) => long.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        // Totals only grow, and each line's rate is its growth over about one second.
        long previous = 0;
        foreach (Match m in lines)
        {
            long packets = Value(m, "packets"), rate = Value(m, "pps");
            Assert.True(packets >= previous);
            Assert.InRange(rate, (packets - previous) * 0.7 - 1, (packets - previous) * 1.3 + 1);
            previous = packets;
        }
        Assert.Equal(Frames100, Value(lines[^1], "packets"));
        Assert.Equal(Frames100 * 100, Value(lines[^1], "bytes"));
        Assert.True(lines.Count(m => Value(m, "pps") > 0) >= 2, "the two bursts fell in one interval");
    }

    [Fact]
    public void Once_as_json_is_one_object_with_the_interface_and_its_top_flow()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var tool = SlimCapTool.Start(net.CaptureNamespace, "stats", "-i", net.CaptureInterface, "--once", "--json", "--interval", "2s");
        Assert.True(tool.WaitForStderr("slimcap: watching"), tool.Stderr);
        net.InjectFromPeer(Enumerable.Range(0, 50).Select(i => Frames.Udp(i, 120, sourcePort: 7000)));
        Assert.True(tool.WaitForExit(20_000) == 0, tool.Stderr);

        string[] lines = System.Text.Encoding.UTF8.GetString(tool.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var json = System.Text.Json.JsonDocument.Parse(Assert.Single(lines));
        var row = Assert.Single(json.RootElement.GetProperty("interfaces").EnumerateArray());
        Assert.Equal(net.CaptureInterface, row.GetProperty("name").GetString());
        Assert.Equal(50, row.GetProperty("packets").GetInt64());
        Assert.Equal(50 * 120, row.GetProperty("bytes").GetInt64());
        var flow = json.RootElement.GetProperty("topFlows")[0];
        Assert.Equal("UDP 198.18.0.1:7000 <> 198.19.0.2:9000", flow.GetProperty("flow").GetString());
        Assert.Equal(50 * 120, flow.GetProperty("bytes").GetInt64());
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (?<name>\S+) packets/s=(?<pps>\d+) bytes/s=(?<bps>\d+) packets=(?<packets>\d+) bytes=(?<bytes>\d+) drops=(?<drops>\d+) freezes=(?<freezes>\d+)$")]
    private static partial Regex PlainLine();
}
