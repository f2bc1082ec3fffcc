using System.Collections.Frozen;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>The reserved words of libpcap 1.10's scanner, and the names that stand for numbers (icmptype, tcp-syn, ...).</summary>
internal static class Keywords
{
    public static readonly FrozenDictionary<string, TokenKind> Words = new Dictionary<string, TokenKind>(StringComparer.Ordinal)
    {
        ["dst"] = TokenKind.Dst, ["src"] = TokenKind.Src,
        ["link"] = TokenKind.Link, ["ether"] = TokenKind.Link, ["ppp"] = TokenKind.Link, ["slip"] = TokenKind.Link,
        ["fddi"] = TokenKind.Link, ["tr"] = TokenKind.Link, ["wlan"] = TokenKind.Link,
        ["arp"] = TokenKind.Arp, ["rarp"] = TokenKind.Rarp, ["ip"] = TokenKind.Ip, ["sctp"] = TokenKind.Sctp,
        ["tcp"] = TokenKind.Tcp, ["udp"] = TokenKind.Udp, ["icmp"] = TokenKind.Icmp, ["igmp"] = TokenKind.Igmp,
        ["igrp"] = TokenKind.Igrp, ["pim"] = TokenKind.Pim, ["vrrp"] = TokenKind.Vrrp, ["carp"] = TokenKind.Carp,
        ["radio"] = TokenKind.Radio, ["ip6"] = TokenKind.Ip6, ["icmp6"] = TokenKind.Icmp6, ["ah"] = TokenKind.Ah,
        ["esp"] = TokenKind.Esp, ["atalk"] = TokenKind.Atalk, ["aarp"] = TokenKind.Aarp, ["decnet"] = TokenKind.Decnet,
        ["lat"] = TokenKind.Lat, ["sca"] = TokenKind.Sca, ["moprc"] = TokenKind.MopRc, ["mopdl"] = TokenKind.MopDl,
        ["iso"] = TokenKind.Iso, ["esis"] = TokenKind.Esis, ["es-is"] = TokenKind.Esis, ["isis"] = TokenKind.Isis,
        ["is-is"] = TokenKind.Isis, ["l1"] = TokenKind.L1, ["l2"] = TokenKind.L2, ["iih"] = TokenKind.Iih,
        ["lsp"] = TokenKind.Lsp, ["snp"] = TokenKind.Snp, ["csnp"] = TokenKind.Csnp, ["psnp"] = TokenKind.Psnp,
        ["clnp"] = TokenKind.Clnp, ["stp"] = TokenKind.Stp, ["ipx"] = TokenKind.Ipx, ["netbeui"] = TokenKind.Netbeui,
        ["host"] = TokenKind.Host, ["net"] = TokenKind.Net, ["mask"] = TokenKind.Netmask, ["port"] = TokenKind.Port,
        ["portrange"] = TokenKind.PortRange, ["proto"] = TokenKind.Proto, ["protochain"] = TokenKind.ProtoChain,
        ["gateway"] = TokenKind.Gateway, ["type"] = TokenKind.Type, ["subtype"] = TokenKind.Subtype,
        ["direction"] = TokenKind.Dir, ["dir"] = TokenKind.Dir,
        ["address1"] = TokenKind.Addr1, ["addr1"] = TokenKind.Addr1, ["address2"] = TokenKind.Addr2, ["addr2"] = TokenKind.Addr2,
        ["address3"] = TokenKind.Addr3, ["addr3"] = TokenKind.Addr3, ["address4"] = TokenKind.Addr4, ["addr4"] = TokenKind.Addr4,
        ["ra"] = TokenKind.Ra, ["ta"] = TokenKind.Ta,
        ["less"] = TokenKind.LessKeyword, ["greater"] = TokenKind.GreaterKeyword, ["byte"] = TokenKind.Byte,
        ["broadcast"] = TokenKind.Broadcast, ["multicast"] = TokenKind.Multicast,
        ["and"] = TokenKind.And, ["or"] = TokenKind.Or, ["not"] = TokenKind.Not,
        ["len"] = TokenKind.Len, ["length"] = TokenKind.Len, ["inbound"] = TokenKind.Inbound, ["outbound"] = TokenKind.Outbound,
        ["ifindex"] = TokenKind.Ifindex, ["vlan"] = TokenKind.Vlan, ["mpls"] = TokenKind.Mpls, ["pppoed"] = TokenKind.Pppoed,
        ["pppoes"] = TokenKind.Pppoes, ["geneve"] = TokenKind.Geneve, ["vxlan"] = TokenKind.Vxlan,
        ["lane"] = TokenKind.Lane, ["llc"] = TokenKind.Llc, ["metac"] = TokenKind.Metac, ["bcc"] = TokenKind.Bcc,
        ["oam"] = TokenKind.Oam, ["oamf4"] = TokenKind.Oamf4, ["oamf4ec"] = TokenKind.Oamf4ec, ["oamf4sc"] = TokenKind.Oamf4sc,
        ["sc"] = TokenKind.Sc, ["ilmic"] = TokenKind.Ilmic, ["vpi"] = TokenKind.Vpi, ["vci"] = TokenKind.Vci,
        ["connectmsg"] = TokenKind.ConnectMsg, ["metaconnect"] = TokenKind.MetaConnect,
        ["on"] = TokenKind.PfIfname, ["ifname"] = TokenKind.PfIfname, ["rset"] = TokenKind.PfRuleset, ["ruleset"] = TokenKind.PfRuleset,
        ["rnr"] = TokenKind.PfRnr, ["rulenum"] = TokenKind.PfRnr, ["srnr"] = TokenKind.PfSrnr, ["subrulenum"] = TokenKind.PfSrnr,
        ["reason"] = TokenKind.PfReason, ["action"] = TokenKind.PfAction,
        ["fisu"] = TokenKind.Fisu, ["lssu"] = TokenKind.Lssu, ["lsu"] = TokenKind.Lssu, ["msu"] = TokenKind.Msu,
        ["hfisu"] = TokenKind.Hfisu, ["hlssu"] = TokenKind.Hlssu, ["hmsu"] = TokenKind.Hmsu, ["sio"] = TokenKind.Sio,
        ["opc"] = TokenKind.Opc, ["dpc"] = TokenKind.Dpc, ["sls"] = TokenKind.Sls, ["hsio"] = TokenKind.Hsio,
        ["hopc"] = TokenKind.Hopc, ["hdpc"] = TokenKind.Hdpc, ["hsls"] = TokenKind.Hsls,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Names the scanner turns into numbers (header offsets and field values).</summary>
    public static readonly FrozenDictionary<string, uint> Numbers = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["icmptype"] = 0, ["icmpcode"] = 1,
        ["icmp-echoreply"] = 0, ["icmp-unreach"] = 3, ["icmp-sourcequench"] = 4, ["icmp-redirect"] = 5, ["icmp-echo"] = 8,
        ["icmp-routeradvert"] = 9, ["icmp-routersolicit"] = 10, ["icmp-timxceed"] = 11, ["icmp-paramprob"] = 12,
        ["icmp-tstamp"] = 13, ["icmp-tstampreply"] = 14, ["icmp-ireq"] = 15, ["icmp-ireqreply"] = 16,
        ["icmp-maskreq"] = 17, ["icmp-maskreply"] = 18,
        ["icmp6type"] = 0, ["icmp6code"] = 1,
        ["icmp6-destinationunreach"] = 1, ["icmp6-packettoobig"] = 2, ["icmp6-timeexceeded"] = 3, ["icmp6-parameterproblem"] = 4,
        ["icmp6-echo"] = 128, ["icmp6-echoreply"] = 129, ["icmp6-multicastlistenerquery"] = 130,
        ["icmp6-multicastlistenerreportv1"] = 131, ["icmp6-multicastlistenerdone"] = 132, ["icmp6-routersolicit"] = 133,
        ["icmp6-routeradvert"] = 134, ["icmp6-neighborsolicit"] = 135, ["icmp6-neighboradvert"] = 136, ["icmp6-redirect"] = 137,
        ["icmp6-routerrenum"] = 138, ["icmp6-nodeinformationquery"] = 139, ["icmp6-nodeinformationresponse"] = 140,
        ["icmp6-ineighbordiscoverysolicit"] = 141, ["icmp6-ineighbordiscoveryadvert"] = 142,
        ["icmp6-multicastlistenerreportv2"] = 143, ["icmp6-homeagentdiscoveryrequest"] = 144,
        ["icmp6-homeagentdiscoveryreply"] = 145, ["icmp6-mobileprefixsolicit"] = 146, ["icmp6-mobileprefixadvert"] = 147,
        ["icmp6-certpathsolicit"] = 148, ["icmp6-certpathadvert"] = 149, ["icmp6-multicastrouteradvert"] = 151,
        ["icmp6-multicastroutersolicit"] = 152, ["icmp6-multicastrouterterm"] = 153,
        ["tcpflags"] = 13, ["tcp-fin"] = 0x01, ["tcp-syn"] = 0x02, ["tcp-rst"] = 0x04, ["tcp-push"] = 0x08,
        ["tcp-ack"] = 0x10, ["tcp-urg"] = 0x20, ["tcp-ece"] = 0x40, ["tcp-cwr"] = 0x80,
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
