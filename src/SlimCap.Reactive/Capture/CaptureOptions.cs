using SlimCap.Reactive.Errors;
using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// Options shared by the ring and socket sources (slimcap's options plus ours). Immutable; every
/// default is stated. Values are checked by <see cref="Validate"/> before any socket is opened.
/// </summary>
/// <remarks>Thread safety: immutable (init-only); safe to share between sources.</remarks>
public record class CaptureOptions
{
    /// <summary>How many bytes of each packet to keep. Defaults to <see cref="CaptureLength.Full"/> (262144).</summary>
    public CaptureLength CaptureLength { get; init; } = CaptureLength.Full;

    /// <summary>Put the interface into promiscuous mode for the socket's lifetime (PACKET_MR_PROMISC). Defaults to false.</summary>
    public bool Promiscuous { get; init; }

    /// <summary>Drop VLAN-tagged frames in the kernel (a BPF check of SKF_AD_VLAN_TAG). Refused on a VLAN interface itself. Defaults to false.</summary>
    public bool IgnoreVlans { get; init; }

    /// <summary>
    /// Attach slimcap's automatic filter for the link type (IP packets only; PPPoE carrying IP on
    /// Ethernet). Defaults to false: every frame is captured, as libpcap does.
    /// </summary>
    public bool AutoBpfFilter { get; init; }

    /// <summary>Instructions run just before the automatic filter's accepting return (slimcap's ExtraBPFInstructions). Needs <see cref="AutoBpfFilter"/>.</summary>
    public IReadOnlyList<BpfInstruction>? ExtraBpfInstructions { get; init; }

    /// <summary>
    /// A caller's own classic BPF program, attached as is (SO_ATTACH_FILTER), so it runs with the kernel's semantics
    /// (<see cref="BpfProgram.RunLinux"/>). It must pass the kernel's checker (<see cref="BpfProgram.IsLinuxCompatible"/>):
    /// <see cref="Validate"/> refuses it otherwise, before any socket opens. Cannot be combined with
    /// <see cref="AutoBpfFilter"/> or <see cref="IgnoreVlans"/>.
    /// </summary>
    public BpfProgram? BpfFilter { get; init; }

    /// <summary>
    /// A pcap-filter expression (tcpdump's language, <c>"tcp port 80 and host 198.18.0.1"</c>) compiled for the
    /// interface's link type as libpcap compiles it for live Linux capture (<see cref="PcapFilterOptions.LinuxKernel"/>:
    /// <c>vlan</c> tests the tag the kernel stripped, <c>inbound</c>/<c>outbound</c> the packet type) and attached with
    /// SO_ATTACH_FILTER; accepted packets are kept up to the capture length. With <see cref="AutoBpfFilter"/> or
    /// <see cref="IgnoreVlans"/> the automatic program runs first and the expression's program only on what it
    /// accepts (a packet must pass both). Cannot be combined with <see cref="BpfFilter"/> or
    /// <see cref="ExtraBpfInstructions"/>. Null (the default): no expression. An invalid expression raises
    /// <see cref="FilterExpressionException"/> (with the offending column) when the source opens, before any socket.
    /// </summary>
    public string? Filter { get; init; }

    /// <summary>Do not capture packets this host sends (PACKET_IGNORE_OUTGOING). Defaults to false.</summary>
    public bool IgnoreOutgoing { get; init; }

    /// <summary>
    /// On a loopback interface, keep both copies the kernel gives a packet socket of every packet: the sender's
    /// (<see cref="PacketType.Outgoing"/>) and the receiver's (<see cref="PacketType.Host"/>). Defaults to false: each
    /// packet is captured once, as the receiver's copy, as libpcap shows loopback (pcap-linux.c skips outgoing packets
    /// on the loopback interface), and so tcpdump, Wireshark and SharpPcap; the kernel leaves the sender's copy out
    /// (PACKET_IGNORE_OUTGOING, Linux 4.20 and later; an older kernel keeps both copies). No effect on other interfaces.
    /// </summary>
    public bool KeepLoopbackDuplicates { get; init; }

    /// <summary>True when the sender's copies stay out on <paramref name="link"/>: asked for, or a loopback interface by default.</summary>
    internal bool IgnoresOutgoingOn(LinkInfo link) => IgnoreOutgoing || IsLoopbackDefault(link);

    /// <summary>The loopback default, which gives way on a kernel without PACKET_IGNORE_OUTGOING rather than fail.</summary>
    internal bool IsLoopbackDefault(LinkInfo link) => !IgnoreOutgoing && !KeepLoopbackDuplicates && link.HardwareType == HardwareType.Loopback;

    /// <summary>
    /// What to do when the interface goes down while capturing. Defaults to <see cref="LinkDownPolicy.Fail"/>.
    /// Whatever the policy, an interface that disappears (deleted, or its namespace deleted) ends the
    /// capture with <see cref="InterfaceGoneException"/> within a second.
    /// </summary>
    public LinkDownPolicy LinkDown { get; init; } = LinkDownPolicy.Fail;

    /// <summary>Checks option combinations that need no interface; throws <see cref="InvalidCaptureOptionException"/> naming the option.</summary>
    /// <exception cref="InvalidCaptureOptionException">An option or a combination of options is invalid.</exception>
    /// <exception cref="InvalidBpfProgramException">The kernel would refuse <see cref="BpfFilter"/>; names its first bad instruction.</exception>
    public virtual void Validate()
    {
        if (!Enum.IsDefined(LinkDown)) throw new InvalidCaptureOptionException(nameof(LinkDown), $"{(int)LinkDown} is not a LinkDownPolicy value.");
        if (CaptureLength is null) throw new InvalidCaptureOptionException(nameof(CaptureLength), "must not be null.");
        if (ExtraBpfInstructions is { Count: > 0 } && !AutoBpfFilter)
            throw new InvalidCaptureOptionException(nameof(ExtraBpfInstructions), "extra instructions are inserted into the automatic filter; set AutoBpfFilter = true, or put them into your own BpfFilter program.");
        if (BpfFilter is not null && AutoBpfFilter)
            throw new InvalidCaptureOptionException(nameof(BpfFilter), "a caller's program and the automatic filter exclude each other; choose one.");
        if (BpfFilter is not null && IgnoreVlans)
            throw new InvalidCaptureOptionException(nameof(IgnoreVlans), "cannot be added to a caller's own BpfFilter program; check SKF_AD_VLAN_TAG in the program instead.");
        if (Filter is not null && BpfFilter is not null)
            throw new InvalidCaptureOptionException(nameof(Filter), "an expression and a caller's own BpfFilter program exclude each other; choose one.");
        if (Filter is not null && ExtraBpfInstructions is { Count: > 0 })
            throw new InvalidCaptureOptionException(nameof(ExtraBpfInstructions), "extra instructions cannot be spliced into a compiled expression; put their test into the Filter expression.");
        BpfFilter?.EnsureLinuxCompatible();
    }

    /// <summary>The program to attach for <paramref name="link"/>, or null to capture every frame whole.</summary>
    internal BpfProgram? BuildFilter(Links.LinkInfo link)
    {
        if (IgnoreVlans && link.IsVlan)
            throw new InvalidCaptureOptionException(nameof(IgnoreVlans), $"'{link.Name}' is itself a VLAN interface; its frames arrive untagged, so there is nothing to ignore (slimcap's ErrIgnoreVLANonVLANIface).");
        if (BpfFilter is not null) return BpfFilter;
        return BuildFilter(link, Filter);
    }

    /// <summary>The program for <paramref name="link"/> with <paramref name="expression"/> as the user's filter (what SetFilter attaches).</summary>
    internal BpfProgram? BuildFilter(Links.LinkInfo link, string? expression)
    {
        int snap = CaptureLength.Resolve(link.IpLayerOffset);
        BpfProgram? gate = AutoBpfFilter ? AutoFilter.Build(link.AutoFilterKind, snap, IgnoreVlans, ExtraBpfInstructions)
            : IgnoreVlans ? new BpfProgram([
                BpfInstruction.LoadWordAbsolute(BpfInstruction.AncillaryVlanTag),
                BpfInstruction.JumpIfEqual(0, 0, 1),
                BpfInstruction.Return((uint)snap),
                BpfInstruction.Return(0),
            ])
            : null;
        if (expression is null) return gate ?? (snap >= CaptureLength.Maximum ? null : BpfProgram.AcceptAll((uint)snap));
        BpfProgram compiled = CompileForKernel(expression, link, snap);
        return gate is null ? compiled : BpfComposition.Then(gate, compiled);
    }

    /// <summary>Compiles <paramref name="expression"/> as libpcap does for a live Linux socket on <paramref name="link"/>.</summary>
    internal static BpfProgram CompileForKernel(string expression, Links.LinkInfo link, int snapLength)
    {
        // Netmask 0: what tcpdump passes when it cannot look one up (only 'ip broadcast' depends on it).
        BpfProgram program = PcapFilter.Compile(expression, new PcapFilterOptions
        {
            LinkType = link.LinkType,
            SnapLength = (uint)Math.Clamp(snapLength, 1, CaptureLength.Maximum),
            LinuxKernel = true,
        });
        program.EnsureLinuxCompatible();
        return program;
    }
}
