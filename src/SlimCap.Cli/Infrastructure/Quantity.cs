using System.Globalization;

namespace SlimCap.Cli.Infrastructure;

/// <summary>Sizes (<c>100MB</c>, <c>256KiB</c>) and durations (<c>500ms</c>, <c>30s</c>, <c>1h</c>) as written on the command line.</summary>
internal static class Quantity
{
    private static readonly (string Suffix, long Factor)[] SizeSuffixes =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("kB", 1_000), ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
        ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000), ("B", 1),
    ];

    private static readonly (string Suffix, double Seconds)[] TimeSuffixes =
    [
        ("ms", 0.001), ("s", 1), ("m", 60), ("min", 60), ("h", 3600), ("d", 86400),
    ];

    /// <summary>Parses a byte count: a whole number with an optional unit (kB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024).</summary>
    public static long ParseSize(string option, string text)
    {
        string t = text.Trim();
        foreach ((string suffix, long factor) in SizeSuffixes)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && TryWhole(t[..^suffix.Length], out long n)) return Checked(option, text, n, factor);
        }
        if (TryWhole(t, out long bytes)) return Checked(option, text, bytes, 1);
        throw new UsageException(option, $"'{text}' is not a size; write a whole number with an optional unit, e.g. 100MB, 64KiB or 1048576.");
    }

    /// <summary>Parses a duration: a number with a unit (ms, s, m, h, d); a bare number is seconds.</summary>
    public static TimeSpan ParseDuration(string option, string text)
    {
        string t = text.Trim();
        foreach ((string suffix, double seconds) in TimeSuffixes.OrderByDescending(s => s.Suffix.Length))
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && TryNumber(t[..^suffix.Length], out double n)) return Positive(option, text, n * seconds);
        }
        if (TryNumber(t, out double bare)) return Positive(option, text, bare);
        throw new UsageException(option, $"'{text}' is not a duration; write a number with a unit, e.g. 500ms, 30s, 15m or 1h.");
    }

    private static long Checked(string option, string text, long n, long factor)
    {
        if (n <= 0 || n > long.MaxValue / factor) throw new UsageException(option, $"'{text}' must be a positive size that fits in 64 bits.");
        return n * factor;
    }

    private static TimeSpan Positive(string option, string text, double seconds)
    {
        if (!(seconds > 0) || seconds > TimeSpan.MaxValue.TotalSeconds / 2) throw new UsageException(option, $"'{text}' must be a positive duration.");
        return TimeSpan.FromSeconds(seconds);
    }

    private static bool TryWhole(string s, out long n) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n);

    private static bool TryNumber(string s, out double n) =>
        double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out n) && double.IsFinite(n);
}
