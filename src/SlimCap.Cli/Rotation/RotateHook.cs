using System.Diagnostics;

namespace SlimCap.Cli.Rotation;

/// <summary>
/// <c>--on-rotate CMD</c>: runs <c>CMD PATH</c> through <c>/bin/sh</c> for each finished file, in the background so the
/// capture goes on; <see cref="WaitAll"/> waits for the ones still running when the capture ends.
/// </summary>
internal sealed class RotateHook(string command, TextWriter log)
{
    /// <summary>How long the end of a capture waits for hooks still running before it leaves them to finish alone.</summary>
    public static readonly TimeSpan FinalWait = TimeSpan.FromSeconds(30);

    private readonly List<Task> _running = [];

    /// <summary>Starts the command for <paramref name="path"/>; the path is passed as one argument, never re-split by the shell.</summary>
    public void Run(string path)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command + " \"$1\"");
        start.ArgumentList.Add("slimcap-on-rotate");
        start.ArgumentList.Add(path);
        try
        {
            Process process = Process.Start(start)!;
            Task done = process.WaitForExitAsync().ContinueWith(_ => Finished(process, path), TaskScheduler.Default);
            lock (_running)
            {
                _running.RemoveAll(t => t.IsCompleted);
                _running.Add(done);
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.WriteLine($"slimcap: --on-rotate could not start /bin/sh for {path}: {e.Message}; check that /bin/sh exists.");
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the hooks still running; says so when some did not end.</summary>
    public void WaitAll(TimeSpan timeout)
    {
        Task[] running;
        lock (_running) running = [.. _running];
        if (!Task.WaitAll(running, timeout))
            log.WriteLine($"slimcap: {running.Count(t => !t.IsCompleted)} --on-rotate commands still run after {timeout.TotalSeconds:0} s; leaving them to finish on their own.");
    }

    private void Finished(Process process, string path)
    {
        using (process)
        {
            if (process.ExitCode != 0)
                log.WriteLine($"slimcap: --on-rotate command exited with {process.ExitCode} for {path}; the file is kept as it is.");
        }
    }
}
