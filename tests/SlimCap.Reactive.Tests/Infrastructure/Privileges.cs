using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>What this process may do, so privileged tests run where they can and skip with the real reason where they cannot.</summary>
internal static partial class Privileges
{
    private static readonly Lazy<string?> s_namespaceProblem = new(ProbeNamespaces);

    public static bool IsRoot => geteuid() == 0;

    /// <summary>Skips the calling test unless it can create network namespaces and veth pairs.</summary>
    public static void RequireNetworkNamespaces()
    {
        string? problem = s_namespaceProblem.Value;
        if (problem is not null) Assert.Skip(problem);
    }

    /// <summary>Skips the calling test unless the process may open AF_PACKET sockets.</summary>
    public static void RequireCapture()
    {
        if (!IsRoot) Assert.Skip("Needs root (CAP_NET_RAW) to open AF_PACKET sockets; run the suite as root, as CI does.");
    }

    private static string? ProbeNamespaces()
    {
        if (!IsRoot) return "Needs root to create network namespaces (ip netns add); run the suite as root, as CI does.";
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") && !File.Exists("/bin/ip"))
            return "Needs the 'ip' command (Debian package iproute2) to create network namespaces.";
        string name = "scprobe" + Environment.ProcessId.ToString("x");
        var (code, output) = Shell.Run("ip", $"netns add {name}");
        Shell.Run("ip", $"netns del {name}");
        return code == 0 ? null : $"'ip netns add' failed here ({output.Trim()}); network namespaces are not available.";
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();
}

/// <summary>Runs short commands (ip, tcpdump) with a time limit.</summary>
internal static class Shell
{
    public static (int ExitCode, string Output) Run(string file, string arguments, int timeoutMs = 20_000, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} {arguments}: timed out after {timeoutMs} ms");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static string RunChecked(string file, string arguments)
    {
        var (code, output) = Run(file, arguments);
        if (code != 0) throw new InvalidOperationException($"'{file} {arguments}' failed with exit code {code}: {output.Trim()}");
        return output;
    }
}
