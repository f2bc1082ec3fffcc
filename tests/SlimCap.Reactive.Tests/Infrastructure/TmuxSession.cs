using System.Diagnostics;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// A detached tmux session running one command in a real terminal of a fixed size, for tests of full-screen output:
/// <see cref="Screen"/> is <c>capture-pane</c>, <see cref="SendKeys"/> is <c>send-keys</c>. The pane stays after the
/// command ends (remain-on-exit), so its last words can be read; Dispose kills the session.
/// </summary>
internal sealed class TmuxSession : IDisposable
{
    private static readonly Lazy<bool> s_available = new(() => new[] { "/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux" }.Any(File.Exists));
    private static int s_counter;

    public TmuxSession(string command, int width = 160, int height = 50)
    {
        Name = $"slimcap-test-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        // remain-on-exit is set for new windows globally in this session's server before the command can end.
        Shell.RunChecked("tmux", $"new-session -d -s {Name} -x {width} -y {height} \"sleep 0.3; {command.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        Shell.RunChecked("tmux", $"set-option -t {Name} remain-on-exit on");
    }

    public string Name { get; }

    /// <summary>Skips the calling test unless tmux is installed.</summary>
    public static void Require()
    {
        if (!s_available.Value) Assert.Skip("tmux is not installed (apt-get install -y tmux); it is the terminal these tests draw into.");
    }

    /// <summary>The text on screen now.</summary>
    public string Screen() => Shell.RunChecked("tmux", $"capture-pane -p -t {Name}");

    /// <summary>Waits until the screen shows <paramref name="text"/>, or the time-out; returns the last screen.</summary>
    public string WaitFor(Func<string, bool> seen, int timeoutMs = 20_000)
    {
        var clock = Stopwatch.StartNew();
        string screen = Screen();
        while (!seen(screen) && clock.ElapsedMilliseconds < timeoutMs)
        {
            Thread.Sleep(100);
            screen = Screen();
        }
        return screen;
    }

    /// <summary>Types keys into the terminal (tmux key names: <c>C-c</c> is Ctrl+C).</summary>
    public void SendKeys(string keys) => Shell.RunChecked("tmux", $"send-keys -t {Name} {keys}");

    /// <summary>True once the command has ended (the pane is dead).</summary>
    public bool Ended => Shell.RunChecked("tmux", $"display-message -p -t {Name} \"#{{pane_dead}}\"").Trim() == "1";

    public void Dispose() => Shell.Run("tmux", $"kill-session -t {Name}");
}
