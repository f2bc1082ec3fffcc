using System.Globalization;
using System.Net.NetworkInformation;
using System.Runtime.Versioning;
using System.Text;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Links;

/// <summary>
/// Discovers network interfaces of the calling thread's network namespace: index, flags, MTU and
/// hardware type from the kernel (ioctl, as libpcap does), the rest from <c>/sys/class/net</c> where
/// sysfs shows that same namespace.
/// </summary>
[SupportedOSPlatform("linux")]
public static class NetworkLinks
{
    private const string SysClassNet = "/sys/class/net";

    /// <summary>The names of all interfaces, sorted.</summary>
    public static IReadOnlyList<string> Names()
    {
        List<string> names = InterfaceIoctl.Names();
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
    public static bool Exists(string name) => TryGet(name, out _);

    /// <summary>Describes the interface <paramref name="name"/>.</summary>
    /// <exception cref="InvalidInterfaceNameException">No interface can have this name (the kernel's rules; the message escapes it).</exception>
    /// <exception cref="InterfaceNotFoundException">No such interface; the message lists those that exist.</exception>
    public static LinkInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (InterfaceNames.Problem(name) is { } problem) throw new InvalidInterfaceNameException(name, problem);
        if (!TryGet(name, out LinkInfo? link)) throw new InterfaceNotFoundException(name, Names());
        return link;
    }

    /// <summary>Describes the interface, or returns false when it does not exist (or vanished while being read).</summary>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LinkInfo? link)
    {
        link = null;
        if (name is null || !IsValidName(name)) return false;
        if (!InterfaceIoctl.TryDescribe(name, out InterfaceIoctl.Description d)) return false;
        string? sysfs = SysfsDirectory(name, d.Index);
        string oper = sysfs is not null ? TryRead(sysfs, "operstate") ?? "unknown" : (d.Flags & 0x10000) != 0 ? "up" : "unknown";
        PhysicalAddress address = sysfs is not null ? ParseAddress(TryRead(sysfs, "address") ?? "") : new PhysicalAddress(d.HardwareAddress);
        bool isVlan = d.IsVlan || (sysfs is not null && (TryRead(sysfs, "uevent") ?? "").Split('\n').Any(l => l.Trim() == "DEVTYPE=vlan"));
        link = new LinkInfo(name, d.Index, d.Mtu, address, (d.Flags & LinuxConstants.IFF_UP) != 0, isVlan,
            (HardwareType)d.HardwareType, oper, d.Flags);
        return true;
    }

    internal static bool IsValidName(string name) => InterfaceNames.Problem(name) is null;

    /// <summary>Reads an interface's receive drop counter from sysfs, or -1 when sysfs does not show its namespace.</summary>
    internal static long ReadReceiveDropped(string name, int index)
    {
        string? dir = SysfsDirectory(name, index);
        string? text = dir is null ? null : TryRead(Path.Combine(dir, "statistics"), "rx_dropped");
        return text is not null && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : -1;
    }

    /// <summary>The sysfs directory of the interface if sysfs shows the caller's namespace (same name, same index).</summary>
    private static string? SysfsDirectory(string name, int index)
    {
        string dir = Path.Combine(SysClassNet, name);
        string? ifindex = TryRead(dir, "ifindex");
        return ifindex is not null && int.TryParse(ifindex, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i == index ? dir : null;
    }

    private static string? TryRead(string dir, string file)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, file)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

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
