namespace SlimCap.Reactive.FilterLanguage;

/// <summary>The tokens of the pcap-filter language (libpcap's scanner.l), keywords and punctuation alike.</summary>
internal enum TokenKind
{
    End,
    Error,
    // Values.
    Num, Id, Hid, Hid6, Eid, Aid,
    // Punctuation.
    Plus, Minus, Star, Slash, Percent, Colon, LBracket, RBracket, Not, Less, Greater, LParen, RParen,
    Amp, Pipe, Caret, Equal, GreaterEqual, LessEqual, NotEqual, ShiftLeft, ShiftRight,
    // Boolean words.
    And, Or,
    // Direction and address qualifiers.
    Dst, Src, Host, Net, Netmask, Port, PortRange, Proto, ProtoChain, Gateway,
    Addr1, Addr2, Addr3, Addr4, Ra, Ta,
    // Protocol names.
    Link, Ip, Arp, Rarp, Sctp, Tcp, Udp, Icmp, Igmp, Igrp, Pim, Vrrp, Carp, Radio,
    Ip6, Icmp6, Ah, Esp, Atalk, Aarp, Decnet, Lat, Sca, MopRc, MopDl,
    Iso, Esis, Isis, L1, L2, Iih, Lsp, Snp, Csnp, Psnp, Clnp, Stp, Ipx, Netbeui,
    // Primitives.
    LessKeyword, GreaterKeyword, Byte, Broadcast, Multicast, Len, Inbound, Outbound, Ifindex,
    Vlan, Mpls, Pppoed, Pppoes, Geneve, Vxlan, Llc,
    // 802.11.
    Type, Subtype, Dir,
    // ATM.
    Lane, Metac, Bcc, Oam, Oamf4, Oamf4ec, Oamf4sc, Sc, Ilmic, Vpi, Vci, ConnectMsg, MetaConnect,
    // PF.
    PfIfname, PfRuleset, PfRnr, PfSrnr, PfReason, PfAction,
    // MTP2 / MTP3.
    Fisu, Lssu, Msu, Hfisu, Hlssu, Hmsu, Sio, Opc, Dpc, Sls, Hsio, Hopc, Hdpc, Hsls,
}
