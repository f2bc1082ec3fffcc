using System.Diagnostics;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Cli;

/// <summary>
/// <c>slimcap capture</c> run as a process in a test namespace, frames injected from the veth peer, and the file it
/// writes read back by tcpdump: every frame once, in order, byte for byte.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class CliCaptureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("slimcap-cli-").FullName;

    [Theory]
    [InlineData("out.pcap", false)]
    [InlineData("out.pcapng", false)]
    [InlineData("out.pcapng", true)]
    public void Capture_with_count_writes_every_frame_once_byte_exact_as_tcpdump_reads_it(string name, bool socket)
    {
        Privileges.RequireNetworkNamespaces();
        Tcpdump.Require();
        using var net = new TestNetwork();
        const int Count = 200;
        List<byte[]> frames = Enumerable.Range(0, Count).Select(i => Frames.Udp(i, 60 + i * 7 % 900)).ToList();
        string file = Path.Combine(_directory, name);
        string[] arguments = ["capture", "-i", net.CaptureInterface, "-c", $"{Count}", "-w", file, .. socket ? new[] { "--socket", "-s", "1600", "-B", "16" } : ["--timeout", "20ms"]];
        using var tool = SlimCapTool.Start(net.CaptureNamespace, arguments);
        Assert.True(tool.WaitForStderr("capturing on"), tool.Stderr);

        net.InjectFromPeer(frames);
        int exit = tool.WaitForExit(30_000);

        Assert.True(exit == 0, tool.Stderr);
        var records = Tcpdump.Records(file);
        Assert.Equal(Count, records.Count);
        for (int i = 0; i < Count; i++) Assert.Equal(frames[i], records[i].Data);
        Assert.Contains($"{Count} packets captured on {net.CaptureInterface}; kernel:", LastLine(tool.Stderr), StringComparison.Ordinal);
    }

    [Fact]
    public void Fanout_of_two_writes_every_frame_once_byte_exact_each_flow_in_order()
    {
        Privileges.RequireNetworkNamespaces();
        Tcpdump.Require();
        using var net = new TestNetwork();
        const int Count = 240;
        // Twelve flows (source ports), so the flow hash spreads them over both members.
        List<byte[]> frames = Enumerable.Range(0, Count).Select(i => Frames.Udp(i, 64 + i % 300, sourcePort: (ushort)(3000 + i % 12))).ToList();
        string file = Path.Combine(_directory, "fanout.pcapng");
        using var tool = SlimCapTool.Start(net.CaptureNamespace, "capture", "-i", net.CaptureInterface, "-c", $"{Count}", "-w", file, "--fanout", "2", "--timeout", "20ms");
        Assert.True(tool.WaitForStderr("capturing on"), tool.Stderr);

        net.InjectFromPeer(frames);
        Assert.True(tool.WaitForExit(30_000) == 0, tool.Stderr);

        var records = Tcpdump.Records(file);
        Assert.Equal(Count, records.Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => (long)i), records.Select(r => Frames.SequenceOf(r.Data)).Order());
        foreach (var r in records) Assert.Equal(frames[(int)Frames.SequenceOf(r.Data)], r.Data);
        foreach (var flow in records.Select(r => Frames.SequenceOf(r.Data)).GroupBy(seq => seq % 12))
            Assert.Equal(flow.Order(), flow);
        Assert.Matches(@"fanout member 0: kernel: [1-9]\d* received", tool.Stderr);
        Assert.Matches(@"fanout member 1: kernel: [1-9]\d* received", tool.Stderr);
    }

    [Fact]
    public void A_filter_expression_keeps_only_the_matching_frames_in_the_kernel()
    {
        Privileges.RequireNetworkNamespaces();
        Tcpdump.Require();
        using var net = new TestNetwork();
        // Every third frame goes to port 9001: the filter keeps those 20 of 60.
        List<byte[]> frames = Enumerable.Range(0, 60).Select(i => Frames.Udp(i, 80, destinationPort: (ushort)(i % 3 == 0 ? 9001 : 9000))).ToList();
        string file = Path.Combine(_directory, "filtered.pcap");
        using var tool = SlimCapTool.Start(net.CaptureNamespace, "capture", "-i", net.CaptureInterface, "-c", "20", "-w", file, "--timeout", "20ms", "udp", "and", "dst", "port", "9001");
        Assert.True(tool.WaitForStderr("capturing on"), tool.Stderr);
        net.InjectFromPeer(frames);
        Assert.True(tool.WaitForExit(30_000) == 0, tool.Stderr);

        var records = Tcpdump.Records(file);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i * 3), records.Select(r => Frames.SequenceOf(r.Data)));
    }

    [Theory]
    [InlineData(2, "SIGINT")]
    [InlineData(15, "SIGTERM")]
    public void A_signal_ends_an_idle_capture_within_a_second_with_a_complete_file_and_a_summary_line(int signal, string name)
    {
        Privileges.RequireNetworkNamespaces();
        Tcpdump.Require();
        using var net = new TestNetwork();
        string file = Path.Combine(_directory, $"{name}.pcapng");
        using var tool = SlimCapTool.Start(net.CaptureNamespace, "capture", "-i", net.CaptureInterface, "-w", file);
        Assert.True(tool.WaitForStderr("capturing on"), tool.Stderr);
        net.InjectFromPeer(Enumerable.Range(0, 5).Select(i => Frames.Udp(i)));
        Thread.Sleep(500); // the default 100 ms block timeout hands the five frames over; then the interface is quiet

        var clock = Stopwatch.StartNew();
        tool.Signal(signal);
        int exit = tool.WaitForExit(10_000);
        clock.Stop();

        Assert.True(exit == 0, tool.Stderr);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"{name} took {clock.ElapsedMilliseconds} ms to end the capture");
        Assert.Equal(5, Tcpdump.Records(file).Count);
        Assert.Matches(@"^slimcap: 5 packets captured on \S+; kernel: \d+ received, 0 dropped, \d+ queue freezes$", LastLine(tool.Stderr));
    }

    [Fact]
    public void Json_prints_one_object_per_packet_with_its_addresses_and_ports()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var tool = SlimCapTool.Start(net.CaptureNamespace, "capture", "-i", net.CaptureInterface, "-c", "3", "--json", "--timeout", "20ms");
        Assert.True(tool.WaitForStderr("capturing on"), tool.Stderr);
        net.InjectFromPeer(Enumerable.Range(0, 3).Select(i => Frames.Udp(i, 100, sourcePort: (ushort)(2000 + i))));
        Assert.True(tool.WaitForExit(30_000) == 0, tool.Stderr);

        string[] lines = System.Text.Encoding.UTF8.GetString(tool.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        for (int i = 0; i < 3; i++)
        {
            using var json = System.Text.Json.JsonDocument.Parse(lines[i]);
            var root = json.RootElement;
            Assert.Equal("UDP", root.GetProperty("protocol").GetString());
            Assert.Equal("198.18.0.1", root.GetProperty("source").GetString());
            Assert.Equal("198.19.0.2", root.GetProperty("destination").GetString());
            Assert.Equal(2000 + i, root.GetProperty("sourcePort").GetInt32());
            Assert.Equal(9000, root.GetProperty("destinationPort").GetInt32());
            Assert.Equal(100, root.GetProperty("length").GetInt32());
            Assert.Equal($"IP 198.18.0.1.{2000 + i} > 198.19.0.2.9000: UDP, length {100 - 14 - 28}", root.GetProperty("summary").GetString());
        }
    }

    [Fact]
    public void The_readme_command_captures_its_own_loopback_datagrams()
    {
        Privileges.RequireCapture();
        // In a fresh namespace, so the test sees only the tool's own datagrams; its lo is up (TestNetwork prepares it).
        using var net = new TestNetwork();
        (int exit, string stdout, string stderr) = SlimCapTool.Run(net.CaptureNamespace, ["capture", "-i", "lo", "-c", "10", "--self-test-traffic"], timeoutMs: 30_000);
        Assert.True(exit == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{6} (In|Out) IP 127\.0\.0\.1\.\d+ > 127\.0\.0\.1\.33330: UDP, length \d+$", l));
    }

    private static string LastLine(string text) => text.TrimEnd().Split('\n')[^1].TrimEnd('\r');

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
