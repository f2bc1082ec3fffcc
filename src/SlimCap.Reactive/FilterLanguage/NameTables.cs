using System.Collections.Frozen;
using System.Globalization;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// The names libpcap resolves without the network: IP protocols (/etc/protocols, as getprotobyname),
/// TCP/UDP services (/etc/services, as getaddrinfo for a service), and its own ether-protocol and LLC
/// tables. When the system files are missing, built-in copies of the common entries stand in. Host and
/// network names are never resolved (no DNS at compile time).
/// </summary>
internal static class NameTables
{
    private static readonly Lazy<FrozenDictionary<string, int>> Protocols = new(LoadProtocols);
    private static readonly Lazy<(FrozenDictionary<string, int> Tcp, FrozenDictionary<string, int> Udp)> Services = new(LoadServices);

    private static readonly FrozenDictionary<string, int> EtherProtocols = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["aarp"] = 0x80f3, ["arp"] = 0x0806, ["atalk"] = 0x809b, ["decnet"] = 0x6003, ["ip"] = 0x0800, ["ip6"] = 0x86dd,
        ["lat"] = 0x6004, ["loopback"] = 0x9000, ["mopdl"] = 0x6001, ["moprc"] = 0x6002, ["rarp"] = 0x8035, ["sca"] = 0x6007,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, int> LlcProtocols = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["iso"] = 0xfe, ["stp"] = 0x42, ["ipx"] = 0xe0, ["netbeui"] = 0xf0,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // Debian netbase's /etc/protocols, for machines without one.
    private const string BuiltInProtocols =
        "ip 0 IP\nhopopt 0 HOPOPT\nicmp 1 ICMP\nigmp 2 IGMP\nggp 3 GGP\nipencap 4 IP-ENCAP\nst 5 ST\ntcp 6 TCP\negp 8 EGP\n" +
        "igp 9 IGP\npup 12 PUP\nudp 17 UDP\nhmp 20 HMP\nxns-idp 22 XNS-IDP\nrdp 27 RDP\niso-tp4 29 ISO-TP4\ndccp 33 DCCP\n" +
        "xtp 36 XTP\nddp 37 DDP\nidpr-cmtp 38 IDPR-CMTP\nipv6 41 IPv6\nipv6-route 43 IPv6-Route\nipv6-frag 44 IPv6-Frag\n" +
        "idrp 45 IDRP\nrsvp 46 RSVP\ngre 47 GRE\nesp 50 IPSEC-ESP\nah 51 IPSEC-AH\nskip 57 SKIP\nipv6-icmp 58 IPv6-ICMP\n" +
        "ipv6-nonxt 59 IPv6-NoNxt\nipv6-opts 60 IPv6-Opts\nrspf 73 RSPF CPHB\nvmtp 81 VMTP\neigrp 88 EIGRP\nospf 89 OSPFIGP\n" +
        "ax.25 93 AX.25\nipip 94 IPIP\netherip 97 ETHERIP\nencap 98 ENCAP\npim 103 PIM\nipcomp 108 IPCOMP\nvrrp 112 VRRP\n" +
        "l2tp 115 L2TP\nisis 124 ISIS\nsctp 132 SCTP\nfc 133 FC\nmobility-header 135 Mobility-Header\nudplite 136 UDPLite\n" +
        "mpls-in-ip 137 MPLS-in-IP\nmanet 138\nhip 139 HIP\nshim6 140 Shim6\nwesp 141 WESP\nrohc 142 ROHC\nethernet 143 Ethernet\n" +
        "mptcp 262 MPTCP\n";

    // The commonly filtered services of Debian netbase's /etc/services, for machines without one.
    private const string BuiltInServices =
        "ftp-data 20/tcp\nftp 21/tcp\nssh 22/tcp\ntelnet 23/tcp\nsmtp 25/tcp mail\ndomain 53/tcp\ndomain 53/udp\n" +
        "bootps 67/udp\nbootpc 68/udp\ntftp 69/udp\nhttp 80/tcp www\nkerberos 88/tcp kerberos5 krb5 kerberos-sec\n" +
        "kerberos 88/udp kerberos5 krb5 kerberos-sec\npop3 110/tcp pop-3\nsunrpc 111/tcp portmapper\nsunrpc 111/udp portmapper\n" +
        "ntp 123/udp\nnetbios-ns 137/udp\nnetbios-dgm 138/udp\nnetbios-ssn 139/tcp\nimap2 143/tcp imap\nsnmp 161/tcp\n" +
        "snmp 161/udp\nsnmp-trap 162/tcp snmptrap\nsnmp-trap 162/udp snmptrap\nbgp 179/tcp\nldap 389/tcp\nldap 389/udp\n" +
        "https 443/tcp\nhttps 443/udp\nmicrosoft-ds 445/tcp\nisakmp 500/udp\nsyslog 514/udp\nsubmission 587/tcp\n" +
        "ldaps 636/tcp\nimaps 993/tcp\npop3s 995/tcp\nopenvpn 1194/tcp\nopenvpn 1194/udp\nmysql 3306/tcp\nbfd-control 3784/udp\n" +
        "postgresql 5432/tcp\nx11 6000/tcp x11-0\n";

    /// <summary>The IP protocol number of <paramref name="name"/>, or -1.</summary>
    public static int Protocol(string name) => Protocols.Value.TryGetValue(name, out int v) ? v : -1;

    /// <summary>The ethertype libpcap's table gives <paramref name="name"/>, or -1.</summary>
    public static int EtherProtocol(string name) => EtherProtocols.TryGetValue(name, out int v) ? v : -1;

    /// <summary>The LLC SAP libpcap's table gives <paramref name="name"/>, or -1.</summary>
    public static int LlcProtocol(string name) => LlcProtocols.TryGetValue(name, out int v) ? v : -1;

    /// <summary>
    /// A service name or decimal number as a port (pcap_nametoport): the TCP entry, with protocol TCP; or
    /// undefined when UDP has the same number; else the UDP entry. <paramref name="proto"/> is an IP protocol or -1.
    /// </summary>
    public static bool TryPort(string name, out int port, out int proto)
    {
        int tcp = ServicePort(name, tcp: true), udp = ServicePort(name, tcp: false);
        port = 0;
        proto = Numbers.ProtoUndef;
        if (tcp >= 0)
        {
            port = tcp;
            proto = udp == tcp ? Numbers.ProtoUndef : (int)Numbers.IpProtoTcp;
            return true;
        }
        if (udp >= 0)
        {
            port = udp;
            proto = (int)Numbers.IpProtoUdp;
            return true;
        }
        return false;
    }

    /// <summary><c>P1-P2</c> as numbers (like sscanf "%d-%d") or as two service names (pcap_nametoportrange).</summary>
    public static bool TryPortRange(string name, out int port1, out int port2, out int proto)
    {
        port1 = port2 = 0;
        proto = Numbers.ProtoUndef;
        if (TryScanPair(name, out port1, out port2)) return true;
        int dash = name.IndexOf('-');
        if (dash < 0) return false;
        if (!TryPort(name[..dash], out port1, out int p1)) return false;
        if (!TryPort(name[(dash + 1)..], out port2, out int p2)) return false;
        proto = p1 == p2 ? p1 : Numbers.ProtoUndef;
        return true;
    }

    private static bool TryScanPair(string s, out int a, out int b)
    {
        b = 0;
        int i = 0;
        if (!ScanInt(s, ref i, out a)) return false;
        if (i >= s.Length || s[i] != '-') return false;
        i++;
        return ScanInt(s, ref i, out b);
    }

    // sscanf's %d: optional white space and sign, then digits.
    private static bool ScanInt(string s, ref int i, out int value)
    {
        value = 0;
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        bool negative = false;
        if (i < s.Length && s[i] is '+' or '-')
        {
            negative = s[i] == '-';
            i++;
        }
        int start = i;
        long v = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            v = Math.Min(v * 10 + (s[i] - '0'), int.MaxValue + 1L);
            i++;
        }
        if (i == start) return false;
        value = (int)Math.Clamp(negative ? -v : v, int.MinValue, int.MaxValue);
        return true;
    }

    private static int ServicePort(string name, bool tcp)
    {
        // getaddrinfo takes a decimal service as the number itself.
        if (name.Length > 0 && name.All(char.IsAsciiDigit))
            return ulong.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) ? (int)(n & 0xffff) : -1;
        var table = tcp ? Services.Value.Tcp : Services.Value.Udp;
        return table.TryGetValue(name, out int port) ? port : -1;
    }

    private static FrozenDictionary<string, int> LoadProtocols()
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string[] fields in Lines("/etc/protocols", BuiltInProtocols))
        {
            if (fields.Length < 2 || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int number)) continue;
            foreach (string alias in fields.Where((_, i) => i != 1)) table.TryAdd(alias, number);
        }
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static (FrozenDictionary<string, int>, FrozenDictionary<string, int>) LoadServices()
    {
        var tcp = new Dictionary<string, int>(StringComparer.Ordinal);
        var udp = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string[] fields in Lines("/etc/services", BuiltInServices))
        {
            if (fields.Length < 2) continue;
            string[] portProto = fields[1].Split('/');
            if (portProto.Length != 2 || !int.TryParse(portProto[0], NumberStyles.None, CultureInfo.InvariantCulture, out int port)) continue;
            var table = portProto[1] switch { "tcp" => tcp, "udp" => udp, _ => null };
            if (table is null) continue;
            foreach (string alias in fields.Where((_, i) => i != 1)) table.TryAdd(alias, port);
        }
        return (tcp.ToFrozenDictionary(StringComparer.Ordinal), udp.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>The whitespace-separated fields of each line of <paramref name="path"/> (comments removed), or of <paramref name="fallback"/> when it cannot be read.</summary>
    private static IEnumerable<string[]> Lines(string path, string fallback)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = fallback;
        }
        foreach (string raw in text.Split('\n'))
        {
            int hash = raw.IndexOf('#');
            string line = hash >= 0 ? raw[..hash] : raw;
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0) yield return fields;
        }
    }
}
