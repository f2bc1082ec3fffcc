using System.Globalization;
using SlimCap.Cli.Infrastructure;

namespace SlimCap.Cli.Rotation;

/// <summary>
/// When to start a new file and how many to keep, from <c>--rotate size=100MB,time=1h,files=10,packets=N</c>. Every
/// limit given applies (a file ends at whichever comes first), and <c>files</c> bounds the ring with all of them.
/// </summary>
/// <param name="MaxBytes">A file ends once it holds at least this many bytes, or null.</param>
/// <param name="Period">A file ends at each multiple of this period since the Unix epoch (UTC), or null.</param>
/// <param name="MaxFiles">At most this many files exist at once (the oldest is deleted), or null for no limit.</param>
/// <param name="MaxPackets">A file ends once it holds this many packets, or null.</param>
internal sealed record RotationPolicy(long? MaxBytes, TimeSpan? Period, int? MaxFiles, long? MaxPackets)
{
    public const string OptionName = "--rotate";

    /// <summary>Parses the comma-separated <c>key=value</c> list.</summary>
    /// <exception cref="UsageException">An unknown key, a repeated key, a bad value, or only <c>files</c> with nothing that ends a file.</exception>
    public static RotationPolicy Parse(string text)
    {
        long? bytes = null, packets = null;
        TimeSpan? period = null;
        int? files = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new UsageException(OptionName, $"'{part}' is not key=value; write e.g. --rotate size=100MB,time=1h,files=10,packets=100000.");
            string key = part[..eq].Trim(), value = part[(eq + 1)..].Trim();
            if (!seen.Add(key)) throw new UsageException(OptionName, $"'{key}' is given twice; give each of size, time, files, packets at most once.");
            switch (key)
            {
                case "size":
                    bytes = Quantity.ParseSize($"{OptionName} size", value);
                    break;
                case "time":
                    period = Quantity.ParseDuration($"{OptionName} time", value);
                    if (period < TimeSpan.FromMilliseconds(100))
                        throw new UsageException($"{OptionName} time", $"'{value}' is shorter than 100ms; rotate at most ten times a second.");
                    break;
                case "files":
                    files = PositiveInt(key, value);
                    break;
                case "packets":
                    packets = PositiveInt(key, value);
                    break;
                default:
                    throw new UsageException(OptionName, $"unknown key '{key}'; the keys are size, time, files and packets.");
            }
        }
        if (bytes is null && period is null && packets is null)
            throw new UsageException(OptionName, $"'{text}' never ends a file; give at least one of size=, time= or packets= (files= only bounds how many are kept).");
        return new RotationPolicy(bytes, period, files, packets);
    }

    /// <summary>The end of the period holding <paramref name="time"/>: the next multiple of <see cref="Period"/> since the epoch.</summary>
    public DateTimeOffset? PeriodEnd(DateTimeOffset time)
    {
        if (Period is not TimeSpan p) return null;
        long ticks = (time - DateTimeOffset.UnixEpoch).Ticks;
        long start = ticks - ticks % p.Ticks;
        return DateTimeOffset.UnixEpoch.AddTicks(start + p.Ticks);
    }

    /// <summary>The start of the period holding <paramref name="time"/> (the time itself when there is no period).</summary>
    public DateTimeOffset PeriodStart(DateTimeOffset time) => PeriodEnd(time) is DateTimeOffset end ? end - Period!.Value : time;

    private static int PositiveInt(string key, string value)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0) return n;
        throw new UsageException($"{OptionName} {key}", $"'{value}' must be a whole number of at least 1.");
    }
}
