using System.Buffers.Binary;
using System.Diagnostics;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// tcpdump (libpcap) as the independent reader of files the tool writes and reads: its records, re-emitted as
/// nanosecond pcap and parsed here, and its printed lines.
/// </summary>
internal static class Tcpdump
{
    private static readonly Lazy<string?> s_path = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])
            .Select(d => System.IO.Path.Combine(d, "tcpdump")).FirstOrDefault(File.Exists));

    /// <summary>Where tcpdump is (the PATH first, then the usual directories), or null when it is not installed.</summary>
    public static string? Path => s_path.Value;

    /// <summary>Skips the calling test unless tcpdump is installed.</summary>
    public static void Require()
    {
        if (s_path.Value is null) Assert.Skip("tcpdump is not installed (apt-get install -y tcpdump); it is the independent reader these tests compare with.");
    }

    /// <summary>The records tcpdump reads from <paramref name="file"/> (timestamp in ns, frame bytes, wire length), or fails the test.</summary>
    public static List<(long TimestampNs, byte[] Data, uint WireLength)> Records(string file, string? filter = null)
    {
        (int exit, byte[] output, string errors) = Run(["--time-stamp-precision=nano", "-r", file, "-w", "-", .. Words(filter)]);
        Assert.True(exit == 0, $"tcpdump could not read {file}: {errors}");
        var records = new List<(long, byte[], uint)>();
        ReadOnlySpan<byte> pcap = output;
        Assert.Equal(0xa1b23c4du, BinaryPrimitives.ReadUInt32LittleEndian(pcap));
        for (int p = 24; p < pcap.Length;)
        {
            long seconds = BinaryPrimitives.ReadUInt32LittleEndian(pcap[p..]);
            long nanos = BinaryPrimitives.ReadUInt32LittleEndian(pcap[(p + 4)..]);
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(pcap[(p + 8)..]);
            uint wire = BinaryPrimitives.ReadUInt32LittleEndian(pcap[(p + 12)..]);
            records.Add((seconds * 1_000_000_000 + nanos, pcap.Slice(p + 16, captured).ToArray(), wire));
            p += 16 + captured;
        }
        return records;
    }

    /// <summary>
    /// tcpdump's <c>-n</c> packet lines for <paramref name="file"/> in UTC, with an optional filter expression: one per
    /// packet (the lines some decoders add below it, indented, are left out).
    /// </summary>
    public static string[] Lines(string file, string? filter = null)
    {
        (int exit, byte[] output, string errors) = Run(["-n", "-r", file, .. Words(filter)]);
        Assert.True(exit == 0, $"tcpdump could not read {file}: {errors}");
        return System.Text.Encoding.UTF8.GetString(output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => char.IsAsciiDigit(l[0])).ToArray();
    }

    private static string[] Words(string? filter) => filter is null ? [] : filter.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Runs tcpdump (which must be installed) with <paramref name="arguments"/>, in UTC; fails the test after 30 s.</summary>
    public static (int Exit, byte[] Stdout, string Stderr) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(s_path.Value!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.Environment["TZ"] = "UTC";
        using Process process = Process.Start(start)!;
        var stdout = new MemoryStream();
        Task copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            Assert.Fail($"tcpdump {string.Join(' ', arguments)} did not end in 30 s");
        }
        copy.Wait();
        return (process.ExitCode, stdout.ToArray(), stderr.Result);
    }
}
