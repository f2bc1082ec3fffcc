using System.Diagnostics;
using SlimCap.Reactive.Filters;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>libpcap's own programs for an expression, from <c>tcpdump -ddd -y LINKTYPE 'EXPR'</c> (count line, then <c>code jt jf k</c> per line).</summary>
internal static class TcpdumpPrograms
{
    public static BpfInstruction[] Compile(string expression, string linkType = "EN10MB", bool optimize = true)
    {
        string? tcpdump = Infrastructure.Tcpdump.Path;
        if (tcpdump is null) Assert.Skip("tcpdump is not installed (apt-get install -y tcpdump); libpcap's programs are the reference here.");
        var start = new ProcessStartInfo(tcpdump!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-ddd", "-y", linkType }) start.ArgumentList.Add(argument);
        if (!optimize) start.ArgumentList.Add("-O");
        start.ArgumentList.Add(expression);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(30_000)) throw new TimeoutException("tcpdump -ddd did not finish");
        if (process.ExitCode != 0) throw new InvalidOperationException($"tcpdump -ddd '{expression}' failed: {error}");
        return Parse(output);
    }

    public static BpfInstruction[] Parse(string ddd)
    {
        string[] lines = ddd.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int count = int.Parse(lines[0]);
        return lines.Skip(1).Take(count).Select(line =>
        {
            string[] f = line.Split(' ');
            return new BpfInstruction(ushort.Parse(f[0]), byte.Parse(f[1]), byte.Parse(f[2]), uint.Parse(f[3]));
        }).ToArray();
    }
}
