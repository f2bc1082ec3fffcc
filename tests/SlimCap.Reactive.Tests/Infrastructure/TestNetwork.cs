namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Two fresh network namespaces joined by a veth pair whose ends are created directly inside them
/// (never in the test's own namespace), with IPv6 off, no addresses and no routes, so the only
/// traffic on the wire is what a test injects. Names carry a unique suffix; Dispose deletes both
/// namespaces (and with them the veth pair), also when the test failed.
/// </summary>
internal sealed class TestNetwork : IDisposable
{
    private static int s_counter;
    private static readonly Lazy<bool> s_staleRemoved = new(RemoveStaleNamespaces);

    public TestNetwork()
    {
        _ = s_staleRemoved.Value;
        string suffix = $"{Environment.ProcessId % 0xfff:x}{Interlocked.Increment(ref s_counter):x}{Random.Shared.Next(0x100):x2}";
        // Namespace names carry the full PID so a later run can tell a killed run's leftovers from a live run's.
        CaptureNamespace = $"sccap-{Environment.ProcessId}-{suffix}";
        PeerNamespace = $"scpeer-{Environment.ProcessId}-{suffix}";
        CaptureInterface = "scc" + suffix;
        PeerInterface = "scp" + suffix;
        try
        {
            Prepare(CaptureNamespace);
            Prepare(PeerNamespace);
            Shell.RunChecked("ip", $"-n {PeerNamespace} link add name {PeerInterface} type veth peer name {CaptureInterface} netns {CaptureNamespace}");
            Shell.RunChecked("ip", $"-n {PeerNamespace} link set {PeerInterface} up");
            Shell.RunChecked("ip", $"-n {CaptureNamespace} link set {CaptureInterface} up");
            string routes = Shell.RunChecked("ip", $"-n {CaptureNamespace} route show") + Shell.RunChecked("ip", $"-n {PeerNamespace} route show");
            if (routes.Trim().Length != 0) throw new InvalidOperationException("unexpected routes in the test namespaces: " + routes);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string CaptureNamespace { get; }
    public string PeerNamespace { get; }
    public string CaptureInterface { get; }
    public string PeerInterface { get; }

    /// <summary>The capture end's MAC address, for frames addressed to it (PACKET_HOST).</summary>
    public byte[] CaptureMac => NetNs.Run(CaptureNamespace, () => SlimCap.Reactive.Links.NetworkLinks.Get(CaptureInterface).HardwareAddress.GetAddressBytes());

    public void Capture(Action action) => NetNs.Run(CaptureNamespace, action);
    public T Capture<T>(Func<T> action) => NetNs.Run(CaptureNamespace, action);
    public T Peer<T>(Func<T> action) => NetNs.Run(PeerNamespace, action);

    public void Ip(string arguments) => Shell.RunChecked("ip", arguments);

    /// <summary>
    /// Starts a background thread sending test frames from the peer until <paramref name="stop"/> is
    /// cancelled; bounded anyway by <paramref name="maxFrames"/> and <paramref name="maxSeconds"/>. At full speed unless
    /// <paramref name="framesPerMillisecond"/> paces it (roughly: a pause of a millisecond after each such batch).
    /// </summary>
    public Thread StartTraffic(CancellationToken stop, Func<long, byte[]>? frame = null, long maxFrames = 20_000_000, int maxSeconds = 120, int framesPerMillisecond = 0)
    {
        frame ??= i => Frames.Udp(i, 64 + (int)(i % 200));
        var thread = new Thread(() => Peer(() =>
        {
            using var injector = new FrameInjector(PeerInterface);
            var until = DateTime.UtcNow.AddSeconds(maxSeconds);
            for (long i = 0; i < maxFrames && !stop.IsCancellationRequested && DateTime.UtcNow < until; i++)
            {
                injector.Send(frame(i));
                if (framesPerMillisecond > 0 && i % framesPerMillisecond == framesPerMillisecond - 1) Thread.Sleep(1);
                else if (i % 32 == 0) Thread.Sleep(0); // leave the capture a share of a busy machine
            }
            return 0;
        })) { IsBackground = true, Name = "test traffic" };
        thread.Start();
        return thread;
    }

    /// <summary>Sends <paramref name="frames"/> out of the peer end, from inside the peer namespace.</summary>
    public void InjectFromPeer(IEnumerable<byte[]> frames) =>
        Peer(() =>
        {
            using var injector = new FrameInjector(PeerInterface);
            foreach (byte[] frame in frames) injector.Send(frame);
            return 0;
        });

    /// <summary>Deletes namespaces that earlier test runs made and could not remove because their process was killed.</summary>
    private static bool RemoveStaleNamespaces()
    {
        var (_, list) = Shell.Run("ip", "netns list");
        foreach (string line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            string[] parts = name.Split('-');
            if (parts.Length == 3 && (parts[0] == "sccap" || parts[0] == "scpeer") && int.TryParse(parts[1], out int pid)
                && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                Shell.Run("ip", $"netns del {name}");
        }
        return true;
    }

    private static void Prepare(string ns)
    {
        Shell.RunChecked("ip", $"netns add {ns}");
        Shell.Run("ip", $"netns exec {ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
        Shell.RunChecked("ip", $"-n {ns} link set lo up");
    }

    public void Dispose()
    {
        Shell.Run("ip", $"netns del {CaptureNamespace}");
        Shell.Run("ip", $"netns del {PeerNamespace}");
    }
}
