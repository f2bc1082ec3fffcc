using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// The slimcap tool (src/SlimCap.Cli, built beside the tests by the project reference) run as a process, optionally
/// inside a network namespace (<c>ip netns exec</c> and <c>env</c> exec the tool in place, so the process id is the tool's).
/// </summary>
internal sealed partial class SlimCapTool : IDisposable
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "slimcap.dll");
    private readonly Process _process;
    private readonly MemoryStream _stdout = new();
    private readonly Task _stdoutCopy;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrCopy;

    private SlimCapTool(string? netns, IReadOnlyList<string> arguments, byte[]? stdin, IReadOnlyDictionary<string, string>? environment)
    {
        // Through env --default-signal: a test runner started in the background inherits SIGINT and SIGQUIT ignored,
        // the runtime honours an inherited SIG_IGN (its SIGINT handler never runs), and whether Process.Start resets it
        // depends on what the test host itself registered earlier; the tool must start as from a terminal.
        var start = new ProcessStartInfo(netns is null ? "env" : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (netns is not null)
        {
            foreach (string a in new[] { "netns", "exec", netns, "env" }) start.ArgumentList.Add(a);
        }
        foreach (string a in new[] { "--default-signal=INT,QUIT", "dotnet", Dll }) start.ArgumentList.Add(a);
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        if (environment is not null)
        {
            foreach ((string key, string value) in environment) start.Environment[key] = value;
        }
        _process = Process.Start(start)!;
        _stdoutCopy = _process.StandardOutput.BaseStream.CopyToAsync(_stdout);
        _stderrCopy = Task.Run(async () =>
        {
            string? line;
            while ((line = await _process.StandardError.ReadLineAsync()) is not null)
            {
                lock (_stderr) _stderr.AppendLine(line);
            }
        });
        if (stdin is not null) _process.StandardInput.BaseStream.Write(stdin);
        _process.StandardInput.Close();
    }

    /// <summary>Starts the tool with <paramref name="arguments"/>; in <paramref name="netns"/> when given.</summary>
    public static SlimCapTool Start(string? netns, params string[] arguments) => new(netns, arguments, null, null);

    /// <summary>Runs the tool to its end (at most <paramref name="timeoutMs"/>) and returns what it printed.</summary>
    public static (int Exit, string Stdout, string Stderr) Run(string? netns, string[] arguments, byte[]? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null, int timeoutMs = 60_000)
    {
        using var tool = new SlimCapTool(netns, arguments, stdin, environment);
        int exit = tool.WaitForExit(timeoutMs);
        return (exit, Encoding.UTF8.GetString(tool.Stdout), tool.Stderr);
    }

    /// <summary>What the tool wrote to stdout so far (complete after <see cref="WaitForExit"/>).</summary>
    public byte[] Stdout
    {
        get
        {
            lock (_stdout) return _stdout.ToArray();
        }
    }

    /// <summary>What the tool wrote to stderr so far.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    public int ProcessId => _process.Id;

    /// <summary>Waits until stderr contains <paramref name="text"/> (the tool says it is capturing, say); false on time-out or exit.</summary>
    public bool WaitForStderr(string text, int timeoutMs = 20_000)
    {
        var until = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < until)
        {
            if (Stderr.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) return Stderr.Contains(text, StringComparison.Ordinal);
            Thread.Sleep(20);
        }
        return false;
    }

    /// <summary>Sends a POSIX signal (SIGINT = 2, SIGTERM = 15) to the tool.</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the tool to end and returns its exit code; kills it and fails the test after <paramref name="timeoutMs"/>.</summary>
    public int WaitForExit(int timeoutMs = 60_000)
    {
        if (!_process.WaitForExit(timeoutMs))
        {
            string threads = ThreadReport(_process.Id); // before any further signal: where it waits, what it blocks
            // SIGINT first, so the failure message carries the tool's own summary (what it captured and dropped).
            kill(_process.Id, 2);
            if (!_process.WaitForExit(2000)) _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            Assert.Fail($"slimcap did not end within {timeoutMs} ms; stderr: {Stderr}\n{threads}");
        }
        _process.WaitForExit();
        _stdoutCopy.Wait();
        _stderrCopy.Wait();
        return _process.ExitCode;
    }

    /// <summary>
    /// The hung tool as the kernel sees it: its signal masks (pending, blocked, ignored, caught) and, per thread, the
    /// name, state and wait channel, so a failure says whether a signal never arrived or where the stop got stuck.
    /// </summary>
    private static string ThreadReport(int pid)
    {
        try
        {
            var report = new System.Text.StringBuilder("threads of the tool:\n");
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("Sig", StringComparison.Ordinal) || line.StartsWith("ShdPnd", StringComparison.Ordinal)) report.Append("  ").AppendLine(line);
            foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                string Read(string name) => File.Exists(Path.Combine(task, name)) ? File.ReadAllText(Path.Combine(task, name)).Trim() : "?";
                string stat = Read("stat");
                int close = stat.LastIndexOf(')');
                string state = close > 0 && close + 2 < stat.Length ? stat[(close + 2)..].Split(' ')[0] : "?";
                report.Append("  ").Append(Path.GetFileName(task)).Append(' ').Append(Read("comm")).Append(" state=").Append(state)
                    .Append(" wchan=").AppendLine(Read("wchan"));
            }
            return report.ToString();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"threads of the tool: not readable ({e.Message})";
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
