namespace SlimCap.Reactive.Capture;

/// <summary>
/// How the kernel spreads the packets of an interface over the members of a PACKET_FANOUT group (each member a
/// ring). The values are the kernel's <c>PACKET_FANOUT_*</c> modes.
/// </summary>
public enum FanoutMode
{
    /// <summary>
    /// By flow hash (PACKET_FANOUT_HASH, the kernel's <c>skb_get_hash</c>): every packet of a flow, both directions
    /// of a TCP or UDP connection alike, goes to the same member. Set <see cref="FanoutGroupOptions.Defrag"/> so
    /// that IP fragments, which carry no ports, are reassembled first and follow their flow.
    /// </summary>
    Hash = 0,

    /// <summary>Round-robin, packet by packet (PACKET_FANOUT_LB): an even spread that splits flows.</summary>
    LoadBalance = 1,

    /// <summary>By the CPU that received the packet (PACKET_FANOUT_CPU): member = CPU number modulo the member count; pairs with RSS/RPS and pinned members.</summary>
    Cpu = 2,

    /// <summary>
    /// Fill one member until its ring has no room, then the next (PACKET_FANOUT_ROLLOVER): a spill-over group rather
    /// than a spread. With TPACKET_V3 the kernel judges room by the ring's active block only, so a packet that does not
    /// fit into a nearly full block may still be dropped rather than moved (a few per filling, counted in the stats).
    /// </summary>
    Rollover = 3,

    /// <summary>A random member per packet (PACKET_FANOUT_RND).</summary>
    Random = 4,

    /// <summary>By the receive queue the NIC recorded (PACKET_FANOUT_QM, <c>skb_get_rx_queue</c>): member = queue modulo the member count.</summary>
    QueueMapping = 5,

    /// <summary>
    /// A classic BPF program chooses (PACKET_FANOUT_CBPF): its return value modulo the member count is the member.
    /// Give the program in <see cref="FanoutGroupOptions.ClassicProgram"/>.
    /// </summary>
    Cbpf = 6,

    /// <summary>
    /// An eBPF socket-filter program chooses (PACKET_FANOUT_EBPF), as for <see cref="Cbpf"/>. Advanced: the library
    /// does not load eBPF; load the program yourself (libbpf, <c>bpf(BPF_PROG_LOAD)</c> with type
    /// BPF_PROG_TYPE_SOCKET_FILTER) and pass its descriptor in <see cref="FanoutGroupOptions.ExtendedProgramFd"/>.
    /// </summary>
    Ebpf = 7,
}
