using System.Globalization;
using System.Net.NetworkInformation;

namespace SlimCap.Reactive.Links;

/// <summary>Discovers the host's network interfaces from <c>/sys/class/net</c> (of the caller's network namespace).</summary>
public static class NetworkLinks
{
    private const string SysClassNet = "/sys/class/net";

    /// <summary>The names of all interfaces, sorted.</summary>
    public static IReadOnlyList<string> Names()
    {
        if (!Directory.Exists(SysClassNet)) return Array.Empty<string>();
        var names = Directory.GetFileSystemEntries(SysClassNet).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>All interfaces, sorted by index. Interfaces that vanish while being read are left out.</summary>
    public static IReadOnlyList<LinkInfo> List()
    {
        var links = new List<LinkInfo>();
        foreach (string name in Names())
        {
            if (TryGet(name, out LinkInfo? link)) links.Add(link);
        }
        links.Sort((a, b) => a.Index.CompareTo(b.Index));
        return links;
    }

    /// <summary>True when an interface of that name exists.</summary>
    public static bool Exists(string name) => IsValidName(name) && Directory.Exists(Path.Combine(SysClassNet, name));

    /// <summary>Describes the interface <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or not a valid interface name.</exception>
    /// <exception cref="InterfaceNotFoundException">No such interface; the message lists those that exist.</exception>
    public static LinkInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsValidName(name))
            throw new ArgumentException($"'{name}' is not a valid interface name (1 to 15 characters, no '/', whitespace or ':').", nameof(name));
        if (!TryGet(name, out LinkInfo? link)) throw new InterfaceNotFoundException(name, Names());
        return link;
    }

    /// <summary>Describes the interface, or returns false when it does not exist (or vanished while being read).</summary>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LinkInfo? link)
    {
        link = null;
        if (!IsValidName(name)) return false;
        string dir = Path.Combine(SysClassNet, name);
        try
        {
            if (!Directory.Exists(dir)) return false;
            int index = ReadInt(dir, "ifindex");
            int mtu = ReadInt(dir, "mtu");
            int type = ReadInt(dir, "type");
            int flags = ReadInt(dir, "flags");
            string oper = ReadText(dir, "operstate");
            string address = ReadText(dir, "address");
            bool isVlan = ReadText(dir, "uevent").Split('\n').Any(l => l.Trim() == "DEVTYPE=vlan");
            link = new LinkInfo(name, index, mtu, ParseAddress(address), (flags & Interop.LinuxConstants.IFF_UP) != 0,
                isVlan, (HardwareType)(ushort)type, oper, flags);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return false;
        }
    }

    internal static bool IsValidName(string name) =>
        name.Length is > 0 and < 16 && name != "." && name != ".." && !name.Any(c => c == '/' || c == ':' || char.IsWhiteSpace(c) || c == '\0');

    /// <summary>Reads an interface's receive drop counter from sysfs, or -1 when it cannot.</summary>
    internal static long ReadReceiveDropped(string name)
    {
        try
        {
            return long.Parse(ReadText(Path.Combine(SysClassNet, name, "statistics"), "rx_dropped"), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return -1;
        }
    }

    private static int ReadInt(string dir, string file)
    {
        string text = ReadText(dir, file);
        return text.StartsWith("0x", StringComparison.Ordinal)
            ? int.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : int.Parse(text, CultureInfo.InvariantCulture);
    }

    private static string ReadText(string dir, string file) => File.ReadAllText(Path.Combine(dir, file)).Trim();

    private static PhysicalAddress ParseAddress(string text)
    {
        if (text.Length == 0) return PhysicalAddress.None;
        try
        {
            return PhysicalAddress.Parse(text.Replace(':', '-'));
        }
        catch (FormatException)
        {
            return PhysicalAddress.None;
        }
    }
}
