using System.Diagnostics;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Runs the installed tcpdump (libpcap) as the compiler oracle: compile an expression for Ethernet and print the program.</summary>
internal static class TcpdumpCompiler
{
    private static readonly Lazy<string?> ExecutablePath = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/usr/bin")
            .Select(d => System.IO.Path.Combine(d, "tcpdump")).FirstOrDefault(File.Exists));

    public static string? Path => ExecutablePath.Value;

    public static void SkipUnlessInstalled()
    {
        if (Path is null) Assert.Skip("tcpdump is not installed (apt-get install -y tcpdump); libpcap cannot be asked.");
    }

    /// <summary>An Ethernet file with snapshot length 262144, as the ground truth was compiled against.</summary>
    public static string ReferenceFile => Corpus.PathOf("files", "tcpdump-arista_ether.pcap");

    /// <summary>tcpdump's program for <paramref name="expression"/> (<paramref name="flag"/> -d or -ddd, optionally unoptimized), or its error.</summary>
    public static (bool Ok, string Output) Compile(string expression, string flag = "-d", bool optimize = true)
    {
        var start = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!optimize) start.ArgumentList.Add("-O");
        foreach (string a in new[] { flag, "-y", "EN10MB", "-r", ReferenceFile, expression }) start.ArgumentList.Add(a);
        using Process p = Process.Start(start)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(30_000))
        {
            p.Kill();
            throw new TimeoutException($"tcpdump did not finish compiling '{expression}'");
        }
        string err = stderr.Result;
        if (p.ExitCode != 0)
        {
            string line = err.Split('\n').FirstOrDefault(l => l.StartsWith("tcpdump: ", StringComparison.Ordinal)) ?? err;
            return (false, line.StartsWith("tcpdump: ", StringComparison.Ordinal) ? line["tcpdump: ".Length..] : line);
        }
        return (true, stdout);
    }
}
