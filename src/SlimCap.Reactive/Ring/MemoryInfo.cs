using System.Globalization;
using System.Runtime.Versioning;

namespace SlimCap.Reactive.Ring;

/// <summary>Reads MemAvailable from /proc/meminfo, to size rings against what the machine can give.</summary>
[SupportedOSPlatform("linux")]
internal static class MemoryInfo
{
    /// <summary>Bytes of memory available to new allocations, or -1 when unknown.</summary>
    public static long AvailableBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }
        return -1;
    }
}
