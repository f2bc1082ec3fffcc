namespace SlimCap.Reactive.Capturer;

/// <summary>
/// Diagnostic (PERF_THREADS=FILE): CPU of each thread of this process inside the measured window, from
/// <c>/proc/self/task/*/schedstat</c> (nanoseconds on CPU), so a figure can be split into the capture thread, the
/// JIT's tiering worker, the GC and the pool. Appended to FILE (the bench keeps no stderr); the result line stays as the bench expects it.
/// </summary>
internal static class ThreadCpu
{
    private static readonly string? s_file = Environment.GetEnvironmentVariable("PERF_THREADS");

    public static bool Enabled => !string.IsNullOrEmpty(s_file);

    /// <summary>Thread id to (name, nanoseconds on CPU so far).</summary>
    public static Dictionary<int, (string Name, long Ns)> Read()
    {
        var result = new Dictionary<int, (string, long)>();
        foreach (string dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                int tid = int.Parse(Path.GetFileName(dir));
                string name = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                string sched = File.ReadAllText(Path.Combine(dir, "schedstat"));
                long ns = long.Parse(sched.AsSpan(0, sched.IndexOf(' ')));
                result[tid] = (name, ns);
            }
            catch (IOException) { } // the thread ended between the listing and the read
            catch (UnauthorizedAccessException) { }
        }
        return result;
    }

    /// <summary>Appends each thread's CPU between two readings to the file, largest first.</summary>
    public static void Report(Dictionary<int, (string Name, long Ns)> start, Dictionary<int, (string Name, long Ns)> end, long packets)
    {
        var rows = end.Select(kv => (kv.Key, kv.Value.Name, Ns: kv.Value.Ns - (start.TryGetValue(kv.Key, out var s) ? s.Ns : 0)))
            .Where(r => r.Ns > 0).OrderByDescending(r => r.Ns);
        var text = new System.Text.StringBuilder($"run {Environment.ProcessId} packets={packets}\n");
        foreach (var (tid, name, ns) in rows)
            text.Append($"  thread {tid} {name}: {ns / 1e6:F1} ms, {(packets > 0 ? (double)ns / packets : 0):F1} ns/pkt\n");
        File.AppendAllText(s_file!, text.ToString());
    }
}
