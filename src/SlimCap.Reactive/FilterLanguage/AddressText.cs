namespace SlimCap.Reactive.FilterLanguage;

/// <summary>IPv4 text as libpcap reads it (__pcap_atoin): one to four dotted parts, each up to 255, shorter forms meaning networks.</summary>
internal static class Ipv4Text
{
    /// <summary>Parses <paramref name="text"/> into <paramref name="addr"/> (parts right-aligned); returns the bits given (8 per part), or -1.</summary>
    public static int ParseShort(string text, out uint addr)
    {
        addr = 0;
        int len = 0, i = 0;
        while (true)
        {
            uint n = 0;
            while (i < text.Length && text[i] != '.')
            {
                if (n > 25) return -1;
                n = unchecked(n * 10 + (uint)(text[i++] - '0'));
            }
            if (n > 255) return -1;
            addr = addr << 8 | (n & 0xff);
            len += 8;
            if (i >= text.Length) return len;
            i++;
        }
    }
}

/// <summary>Ethernet address text as libpcap reads it (pcap_ether_aton): pairs of hex digits separated by ':', '.' or '-', or none.</summary>
internal static class MacText
{
    public static byte[] Parse(string text)
    {
        var bytes = new List<byte>(6);
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] is ':' or '.' or '-') i++;
            int d = Hex(text[i++]);
            if (i < text.Length && char.IsAsciiHexDigit(text[i])) d = d << 4 | Hex(text[i++]);
            bytes.Add((byte)d);
        }
        return [.. bytes];

        static int Hex(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    }
}
