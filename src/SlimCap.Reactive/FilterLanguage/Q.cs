namespace SlimCap.Reactive.FilterLanguage;

/// <summary>libpcap's qualifier values (gencode.h), kept numerically equal so the generator reads like the rules it follows.</summary>
internal static class Q
{
    // Address types.
    public const int Host = 1, Net = 2, Port = 3, Gateway = 4, Proto = 5, ProtoChain = 6, PortRange = 7;

    // Protocols.
    public const int Link = 1, Ip = 2, Arp = 3, Rarp = 4, Sctp = 5, Tcp = 6, Udp = 7, Icmp = 8, Igmp = 9, Igrp = 10,
        Atalk = 11, Decnet = 12, Lat = 13, Sca = 14, MopRc = 15, MopDl = 16, Ipv6 = 17, Icmpv6 = 18, Ah = 19, Esp = 20,
        Pim = 21, Vrrp = 22, Aarp = 23, Iso = 24, Esis = 25, Isis = 26, Clnp = 27, Stp = 28, Ipx = 29, Netbeui = 30,
        IsisL1 = 31, IsisL2 = 32, IsisIih = 33, IsisSnp = 34, IsisCsnp = 35, IsisPsnp = 36, IsisLsp = 37, Radio = 38, Carp = 39;

    // Directions.
    public const int Src = 1, Dst = 2, Or = 3, And = 4, Addr1 = 5, Addr2 = 6, Addr3 = 7, Addr4 = 8, Ra = 9, Ta = 10;

    public const int Default = 0, Undef = 255;

    /// <summary>The protocol qualifier a protocol-name token stands for.</summary>
    public static int ProtoOf(TokenKind kind) => kind switch
    {
        TokenKind.Link => Link, TokenKind.Ip => Ip, TokenKind.Arp => Arp, TokenKind.Rarp => Rarp, TokenKind.Sctp => Sctp,
        TokenKind.Tcp => Tcp, TokenKind.Udp => Udp, TokenKind.Icmp => Icmp, TokenKind.Igmp => Igmp, TokenKind.Igrp => Igrp,
        TokenKind.Pim => Pim, TokenKind.Vrrp => Vrrp, TokenKind.Carp => Carp, TokenKind.Atalk => Atalk, TokenKind.Aarp => Aarp,
        TokenKind.Decnet => Decnet, TokenKind.Lat => Lat, TokenKind.Sca => Sca, TokenKind.MopDl => MopDl, TokenKind.MopRc => MopRc,
        TokenKind.Ip6 => Ipv6, TokenKind.Icmp6 => Icmpv6, TokenKind.Ah => Ah, TokenKind.Esp => Esp, TokenKind.Iso => Iso,
        TokenKind.Esis => Esis, TokenKind.Isis => Isis, TokenKind.L1 => IsisL1, TokenKind.L2 => IsisL2, TokenKind.Iih => IsisIih,
        TokenKind.Lsp => IsisLsp, TokenKind.Snp => IsisSnp, TokenKind.Psnp => IsisPsnp, TokenKind.Csnp => IsisCsnp,
        TokenKind.Clnp => Clnp, TokenKind.Stp => Stp, TokenKind.Ipx => Ipx, TokenKind.Netbeui => Netbeui, TokenKind.Radio => Radio,
        _ => -1,
    };

    /// <summary>The protocol's name as libpcap's messages spell it.</summary>
    public static string NameOf(int proto) => proto switch
    {
        Link => "link", Ip => "ip", Arp => "arp", Rarp => "rarp", Sctp => "sctp", Tcp => "tcp", Udp => "udp", Icmp => "icmp",
        Igmp => "igmp", Igrp => "igrp", Atalk => "atalk", Decnet => "decnet", Lat => "lat", Sca => "sca", MopRc => "moprc",
        MopDl => "mopdl", Ipv6 => "ip6", Icmpv6 => "icmp6", Ah => "ah", Esp => "esp", Pim => "pim", Vrrp => "vrrp", Aarp => "aarp",
        Iso => "iso", Esis => "esis", Isis => "isis", Clnp => "clnp", Stp => "stp", Ipx => "ipx", Netbeui => "netbeui",
        IsisL1 => "l1", IsisL2 => "l2", IsisIih => "iih", IsisSnp => "snp", IsisCsnp => "csnp", IsisPsnp => "psnp",
        IsisLsp => "lsp", Radio => "radio", Carp => "carp", _ => "?",
    };
}

/// <summary>Ethertypes, LLC SAPs and IP protocol numbers the generator uses.</summary>
internal static class Numbers
{
    public const uint EtherMtu = 1500;
    public const uint EtherIp = 0x0800, EtherArp = 0x0806, EtherRevArp = 0x8035, EtherIpv6 = 0x86dd, EtherAtalk = 0x809b,
        EtherAarp = 0x80f3, EtherDecnet = 0x6003, EtherSca = 0x6007, EtherLat = 0x6004, EtherMopDl = 0x6001, EtherMopRc = 0x6002,
        EtherIpx = 0x8137, Ether8021Q = 0x8100, Ether8021Ad = 0x88a8, Ether8021QinQ = 0x9100, EtherMpls = 0x8847,
        EtherPppoeD = 0x8863, EtherPppoeS = 0x8864, EtherTeb = 0x6558, EtherLoopback = 0x9000;
    public const uint LlcSapIp = 0x06, LlcSapIsoNs = 0xfe, LlcSapNetbeui = 0xf0, LlcSapIpx = 0xe0, LlcSap8021D = 0x42, LlcSapSnap = 0xaa;
    public const uint SllP8023 = 0x0001, SllP8022 = 0x0004;
    public const uint IpProtoIcmp = 1, IpProtoIgmp = 2, IpProtoTcp = 6, IpProtoUdp = 17, IpProtoIgrp = 9, IpProtoPim = 103,
        IpProtoVrrp = 112, IpProtoIcmpv6 = 58, IpProtoAh = 51, IpProtoEsp = 50, IpProtoSctp = 132, IpProtoFragment = 44,
        IpProtoHopOpts = 0, IpProtoDstOpts = 60, IpProtoRouting = 43, IpProtoNone = 59;
    public const uint IsoEsis = 0x82, IsoIsis = 0x83, IsoClnp = 0x81;
    public const uint IsisL1LanIih = 15, IsisL2LanIih = 16, IsisPtpIih = 17, IsisL1Lsp = 18, IsisL2Lsp = 20,
        IsisL1Csnp = 24, IsisL2Csnp = 25, IsisL1Psnp = 26, IsisL2Psnp = 27;
    public const int ProtoUndef = -1;
    public const uint GenevePort = 6081, VxlanPort = 4789;
}
