using System.Text;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Seeded random pcap-filter expressions from the grammar: qualified values and carried-over bare values,
/// protocol names, relations over packet accessors, encapsulations, and/or/not with parentheses, in several
/// spellings; a share of them damaged (a token dropped, doubled or swapped) so that refusals are compared too.
/// </summary>
internal sealed class ExpressionFuzzer(int seed)
{
    private readonly Random _r = new(seed);

    private static readonly string[] Protocols = ["tcp", "udp", "icmp", "icmp6", "ip", "ip6", "arp", "rarp", "sctp", "igmp", "pim", "vrrp", "ah", "esp", "stp", "atalk", "aarp", "decnet", "lat", "sca", "moprc", "mopdl", "iso", "isis", "esis", "clnp", "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp", "ipx", "netbeui", "carp", "igrp", "llc", "pppoed"];
    private static readonly string[] ProtoQualifiers = ["", "", "", "ether", "ip", "ip6", "arp", "rarp", "tcp", "udp", "sctp", "icmp", "decnet", "link", "igmp"];
    private static readonly string[] Directions = ["", "", "", "src", "dst", "src or dst", "src and dst", "dst or src"];
    private static readonly string[] Types = ["host", "net", "port", "portrange", "proto", "protochain", "", ""];
    private static readonly string[] V4 = ["10.0.0.1", "10.0.0.2", "192.168.1.1", "127.0.0.1", "2.1.1.2", "192.168", "10", "172.16", "10.0.0.010", "0.0.0.0", "255.255.255.255", "224.0.0.5", "198.18.0.1"];
    private static readonly string[] V4Net = ["10.0.0.0/8", "192.168.0.0/16", "169.254.0.0/16", "0.0.0.0/0", "10.0.0.0/24", "172.16.0.0/12", "192.168.0.0 mask 255.255.255.0", "10.1.0.0/33", "10.0.0.1/8"];
    private static readonly string[] V6 = ["fe80::1", "ff02::5", "::1", "2604:1380:4091:ce00::b", "fe80::/10", "2604:1380::/32", "::/0", "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8", "fe80::/129"];
    private static readonly string[] Macs = ["00:10:94:00:00:02", "ff:ff:ff:ff:ff:ff", "00-14-22-59-55-51", "00.07.e9.bd.5d.1f", "0007.e9bd.5d1f", "001094000002", "1:2:3"];
    private static readonly string[] Ports = ["22", "53", "80", "179", "546", "6081", "4789", "0", "65535", "65536", "http", "domain", "ssh", "bootps", "ntp", "0x50", "017"];
    private static readonly string[] Ranges = ["6000-7000", "0-1023", "1024-1000", "53", "67-68", "ssh-http", "domain-80"];
    private static readonly string[] ProtoValues = ["17", "6", "1", "58", "89", "256", "\\tcp", "\\udp", "\\icmp", "\\ipv6-icmp", "\\icmp6", "\\esp", "0x11", "\\arp", "\\ip", "\\ip6", "\\loopback", "\\stp", "\\isis", "\\foo", "2048", "0x0806"];
    private static readonly string[] Accessors = ["ip", "ip6", "tcp", "udp", "icmp", "icmp6", "ether", "link", "arp", "igmp", "pim", "sctp", "vrrp", "rarp", "radio"];
    private static readonly string[] Named = ["tcpflags", "tcp-syn", "tcp-ack", "tcp-fin", "tcp-push", "tcp-rst", "tcp-urg", "tcp-ece", "tcp-cwr", "icmptype", "icmpcode", "icmp-echo", "icmp-echoreply", "icmp-unreach", "icmp6type", "icmp6code", "icmp6-echo", "icmp6-neighborsolicit", "icmp6-routeradvert"];
    private static readonly string[] Relations = ["=", "==", "!=", ">", ">=", "<", "<="];
    private static readonly string[] ArithOps = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"];

    private T Pick<T>(T[] a) => a[_r.Next(a.Length)];

    public string Next()
    {
        var tokens = new List<string>();
        Expr(tokens, 0);
        if (_r.Next(8) == 0) Damage(tokens);
        var text = new StringBuilder();
        for (int i = 0; i < tokens.Count; i++)
        {
            if (i > 0 && (_r.Next(6) != 0 || !IsPunctuation(tokens[i]) && !IsPunctuation(tokens[i - 1]))) text.Append(' ');
            text.Append(tokens[i]);
        }
        return text.ToString();
    }

    private static bool IsPunctuation(string t) => t.Length <= 2 && t.All(c => "()[]:+-*/%&|^<>=!".Contains(c));

    private void Damage(List<string> t)
    {
        if (t.Count == 0) return;
        int i = _r.Next(t.Count);
        switch (_r.Next(4))
        {
            case 0: t.RemoveAt(i); break;
            case 1: t.Insert(i, t[i]); break;
            case 2: t.Insert(i, Pick(new[] { "(", ")", "and", "or", "not", "[", "]", "=", "5", "foo", "#" })); break;
            default:
                int j = _r.Next(t.Count);
                (t[i], t[j]) = (t[j], t[i]);
                break;
        }
    }

    private void Expr(List<string> t, int depth)
    {
        int terms = depth > 2 ? 1 : _r.Next(1, 4);
        for (int k = 0; k < terms; k++)
        {
            if (k > 0)
            {
                t.Add(Pick(new[] { "and", "or", "&&", "||", "and", "or" }));
                if (_r.Next(5) == 0)
                {
                    // A bare value: the previous qualifier carries over.
                    if (_r.Next(3) == 0) t.Add("not");
                    t.Add(Pick(new[] { Pick(V4), Pick(Ports), Pick(V6) }));
                    continue;
                }
            }
            Term(t, depth);
        }
    }

    private void Term(List<string> t, int depth)
    {
        if (_r.Next(6) == 0) t.Add(_r.Next(2) == 0 ? "not" : "!");
        int kind = _r.Next(depth > 2 ? 8 : 10);
        switch (kind)
        {
            case 0 or 1 or 2: Qualified(t); break;
            case 3: t.Add(Pick(Protocols)); break;
            case 4: Relation(t); break;
            case 5: Encapsulation(t); break;
            case 6: Other(t); break;
            case 7: t.Add(Pick(Protocols)); break;
            default:
                t.Add("(");
                Expr(t, depth + 1);
                t.Add(")");
                break;
        }
    }

    private void Qualified(List<string> t)
    {
        string proto = Pick(ProtoQualifiers), dir = Pick(Directions), type = Pick(Types);
        if (proto.Length > 0) t.Add(proto);
        if (dir.Length > 0) t.AddRange(dir.Split(' '));
        if (type.Length > 0) t.Add(type);
        if (proto.Length + dir.Length + type.Length == 0) t.Add("host");
        string value = type switch
        {
            "port" => Pick(Ports),
            "portrange" => Pick(Ranges),
            "proto" or "protochain" => Pick(ProtoValues),
            "net" => _r.Next(3) == 0 ? Pick(V6) : Pick(V4Net.Concat(V4).ToArray()),
            _ => proto is "ether" or "link" ? Pick(Macs) : _r.Next(4) == 0 ? Pick(V6) : _r.Next(8) == 0 ? Pick(Macs) : Pick(V4),
        };
        if (_r.Next(12) == 0) t.Add("not");
        t.AddRange(value.Split(' '));
    }

    private void Relation(List<string> t)
    {
        Arith(t, 0);
        t.Add(Pick(Relations));
        Arith(t, 0);
    }

    private void Arith(List<string> t, int depth)
    {
        switch (_r.Next(depth > 1 ? 3 : 6))
        {
            case 0: t.Add(Number()); break;
            case 1: t.Add(_r.Next(3) == 0 ? "len" : Pick(Named)); break;
            case 2:
                t.Add(Pick(Accessors));
                t.Add("[");
                if (_r.Next(3) == 0) Arith(t, depth + 1); else t.Add(_r.Next(2) == 0 ? Pick(Named) : _r.Next(0, 60).ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (_r.Next(2) == 0)
                {
                    t.Add(":");
                    t.Add(Pick(new[] { "1", "2", "4", "2", "3" }));
                }
                t.Add("]");
                break;
            case 3:
                Arith(t, depth + 1);
                t.Add(Pick(ArithOps));
                Arith(t, depth + 1);
                break;
            case 4:
                t.Add("-");
                Arith(t, depth + 1);
                break;
            default:
                t.Add("(");
                Arith(t, depth + 1);
                t.Add(")");
                break;
        }
    }

    private string Number() => _r.Next(6) switch
    {
        0 => "0x" + _r.Next(0, 0x10000).ToString("x", System.Globalization.CultureInfo.InvariantCulture),
        1 => "0" + Convert.ToString(_r.Next(0, 512), 8),
        2 => Pick(new[] { "0", "1", "4", "32", "0xffffffff", "4294967296", "08", "0x100000000" }),
        _ => _r.Next(0, 2000).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private void Encapsulation(List<string> t)
    {
        string word = Pick(new[] { "vlan", "vlan", "mpls", "pppoes", "geneve", "pppoed" });
        t.Add(word);
        if (word != "pppoed" && _r.Next(2) == 0)
            t.Add(Pick(new[] { "0", "100", "200", "1213", "4095", "4096", "16006", "23", "65535", "1048575", "16777215", "16777216" }));
    }

    private void Other(List<string> t)
    {
        switch (_r.Next(9))
        {
            case 0: t.AddRange(new[] { Pick(new[] { "", "ether", "ip", "ip6", "tcp" }), Pick(new[] { "broadcast", "multicast" }) }.Where(s => s.Length > 0)); break;
            case 1: t.AddRange([Pick(new[] { "less", "greater" }), Number()]); break;
            case 2: t.AddRange(["byte", _r.Next(0, 40).ToString(System.Globalization.CultureInfo.InvariantCulture), Pick(new[] { "=", "<", ">", "&", "|" }), _r.Next(0, 256).ToString(System.Globalization.CultureInfo.InvariantCulture)]); break;
            case 3: t.AddRange(["llc", Pick(new[] { "i", "s", "u", "rr", "rnr", "ui", "test", "xid", "foo" })]); break;
            case 4: t.Add(Pick(new[] { "inbound", "outbound", "ifindex 3", "gateway 10.0.0.1", "lane", "vpi 1", "fisu", "type mgt", "on eth0" })); break;
            case 5: t.AddRange(["ether", "proto", Pick(ProtoValues)]); break;
            case 6: t.AddRange([Pick(new[] { "ip", "ip6", "" }), "protochain", Pick(new[] { "6", "17", "58", "\\tcp" })]); break;
            case 7: t.Add(Pick(new[] { "len", "length" })); t.Add(Pick(Relations)); t.Add(Number()); break;
            default: t.AddRange(["ip", "proto", Pick(ProtoValues)]); break;
        }
        t.RemoveAll(s => s.Length == 0);
    }
}
