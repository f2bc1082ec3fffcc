using System.Net;
using System.Net.Sockets;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>IPv6 literals as libpcap accepts them (getaddrinfo with AI_NUMERICHOST, that is inet_pton).</summary>
internal static class Ipv6Text
{
    /// <summary>Whether <paramref name="text"/> (already in one of the scanner's IPv6 shapes) is a valid address.</summary>
    public static bool IsValid(string text) => TryParse(text, out _);

    /// <summary>Parses <paramref name="text"/> into its 16 bytes, refusing what inet_pton refuses (a dotted tail with leading zeros or values over 255).</summary>
    public static bool TryParse(string text, out byte[] bytes)
    {
        bytes = [];
        int lastColon = text.LastIndexOf(':');
        string tail = text[(lastColon + 1)..];
        if (tail.Contains('.'))
        {
            string[] parts = tail.Split('.');
            if (parts.Length != 4) return false;
            foreach (string p in parts)
            {
                if (p.Length == 0 || p.Length > 3 || !p.All(char.IsAsciiDigit)) return false;
                if (p.Length > 1 && p[0] == '0') return false;
                if (int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) > 255) return false;
            }
        }
        if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        bytes = address.GetAddressBytes();
        return true;
    }
}
