namespace SlimCap.Reactive.Filters;

/// <summary>Whose rules a classic BPF program is checked and run by.</summary>
public enum BpfDialect
{
    /// <summary>
    /// libpcap's (<c>bpf_validate</c>, <c>bpf_filter</c>): what capture files and every other
    /// user-space source use. Backward jumps (libpcap's <c>protochain</c>) are allowed; <c>len</c> is
    /// the wire length; no ancillary loads.
    /// </summary>
    Libpcap,

    /// <summary>
    /// The Linux kernel's (<c>bpf_check_classic</c>, SO_ATTACH_FILTER): forward jumps only, at most
    /// 4096 instructions, scratch memory stored before it is loaded, ancillary loads at SKF_AD_OFF and
    /// the SKF_NET_OFF / SKF_LL_OFF negative offsets.
    /// </summary>
    Linux,
}
