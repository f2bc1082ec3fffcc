using SlimCap.Reactive.Filters;
using static SlimCap.Reactive.Interop.LinuxConstants;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// Puts a ring into a PACKET_FANOUT group (<see cref="RingOptions.Fanout"/>): the kernel spreads the interface's
/// packets over the group's rings instead of copying each packet into every one, so N rings read by N threads
/// share the load. <see cref="FanoutGroupSource"/> opens a whole group; this type also serves to join a group
/// opened elsewhere (another source or process) with an explicit <see cref="GroupId"/>.
/// </summary>
/// <remarks>
/// <para>Every member of a group must agree on the mode, the flags (<see cref="Defrag"/>,
/// <see cref="RolloverWhenFull"/>, and <see cref="CaptureOptions.IgnoreOutgoing"/>, which in a group is the
/// group's flag), the interface and, where given, <see cref="MaxMembers"/>; the kernel refuses a member that
/// differs, and the library then says what differs (<see cref="FanoutGroupMismatchException"/>).</para>
/// <para>Thread safety: immutable (init-only); safe to share.</para>
/// </remarks>
public sealed record class FanoutGroupOptions
{
    /// <summary>How the kernel picks the member for each packet. Defaults to <see cref="FanoutMode.Hash"/>.</summary>
    public FanoutMode Mode { get; init; } = FanoutMode.Hash;

    /// <summary>
    /// Reassemble IP fragments before choosing a member (PACKET_FANOUT_FLAG_DEFRAG), so that a fragmented
    /// datagram hashes with its flow under <see cref="FanoutMode.Hash"/>. Defaults to false.
    /// </summary>
    public bool Defrag { get; init; }

    /// <summary>
    /// When the chosen member's ring is full, give the packet to another member that has room instead of dropping it
    /// (PACKET_FANOUT_FLAG_ROLLOVER): fewer drops, at the price of flow affinity while a member is behind. Not with
    /// <see cref="FanoutMode.Rollover"/>, which always rolls over. Defaults to false.
    /// </summary>
    public bool RolloverWhenFull { get; init; }

    /// <summary>
    /// The group to join, or null (the default) to have the kernel create a group with an id no other socket in the
    /// network namespace uses (PACKET_FANOUT_FLAG_UNIQUEID), so that two captures never join each other's group by
    /// accident. Give an id on purpose to join a group opened elsewhere: read it from
    /// <see cref="RingSource.FanoutGroupId"/> or <see cref="FanoutGroupSource.GroupId"/>. A group lives while it has
    /// a member; an id that names no group creates one.
    /// </summary>
    public ushort? GroupId { get; init; }

    /// <summary>
    /// The group's member limit, fixed when the group is created: 0 (the default) for the kernel's classic limit of
    /// 256, or up to 65536 through struct fanout_args (Linux 5.13 and later; older kernels refuse it with
    /// <see cref="FanoutNotSupportedException"/>). A member joining with a limit must give the group's.
    /// <see cref="FanoutGroupSource"/> sets it to its member count when that is over 256.
    /// </summary>
    public int MaxMembers { get; init; }

    /// <summary>The classic BPF program that picks members under <see cref="FanoutMode.Cbpf"/> (its return value modulo the member count); required there, refused otherwise.</summary>
    public BpfProgram? ClassicProgram { get; init; }

    /// <summary>
    /// Under <see cref="FanoutMode.Ebpf"/>: the descriptor of a loaded BPF_PROG_TYPE_SOCKET_FILTER program, which the
    /// caller keeps open and owns (the kernel takes its own reference when the group is set up). -1 (the default)
    /// otherwise. Advanced: the library does not load or check eBPF.
    /// </summary>
    public int ExtendedProgramFd { get; init; } = -1;

    /// <summary>Checks the options; throws <see cref="InvalidCaptureOptionException"/> naming the option.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode))
            throw new InvalidCaptureOptionException(Name(nameof(Mode)), $"{(int)Mode} is not a FanoutMode value.");
        if (RolloverWhenFull && Mode == FanoutMode.Rollover)
            throw new InvalidCaptureOptionException(Name(nameof(RolloverWhenFull)), "the Rollover mode always rolls over; the flag is for the other modes (the kernel refuses the pair).");
        if (MaxMembers is < 0 or > PACKET_FANOUT_MAX)
            throw new InvalidCaptureOptionException(Name(nameof(MaxMembers)), $"must be 0 (the kernel's classic limit of 256) or 1 to {PACKET_FANOUT_MAX}; got {MaxMembers}.");
        if (Mode == FanoutMode.Cbpf && ClassicProgram is null)
            throw new InvalidCaptureOptionException(Name(nameof(ClassicProgram)), "the Cbpf mode needs the program that picks each packet's member.");
        if (Mode != FanoutMode.Cbpf && ClassicProgram is not null)
            throw new InvalidCaptureOptionException(Name(nameof(ClassicProgram)), $"is only used by the Cbpf mode; the mode is {Mode}.");
        if (Mode == FanoutMode.Ebpf && ExtendedProgramFd < 0)
            throw new InvalidCaptureOptionException(Name(nameof(ExtendedProgramFd)), "the Ebpf mode needs the descriptor of a loaded BPF_PROG_TYPE_SOCKET_FILTER program.");
        if (Mode != FanoutMode.Ebpf && ExtendedProgramFd != -1)
            throw new InvalidCaptureOptionException(Name(nameof(ExtendedProgramFd)), $"is only used by the Ebpf mode; the mode is {Mode} (leave it at -1).");
    }

    /// <summary>The group flags as the kernel compares them between members (no UNIQUEID: the kernel drops it once the group exists).</summary>
    internal ushort GroupFlags(bool ignoreOutgoing) => (ushort)(
        (Defrag ? PACKET_FANOUT_FLAG_DEFRAG : 0)
        | (RolloverWhenFull ? PACKET_FANOUT_FLAG_ROLLOVER : 0)
        | (ignoreOutgoing ? PACKET_FANOUT_FLAG_IGNORE_OUTGOING : 0));

    private static string Name(string option) => "Fanout." + option;
}
