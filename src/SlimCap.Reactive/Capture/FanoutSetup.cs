using System.Runtime.Versioning;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Socket;
using static SlimCap.Reactive.Interop.LinuxConstants;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// Joins a bound packet socket to its PACKET_FANOUT group and turns the kernel's refusals into typed errors. The
/// kernel answers a join that differs from the group with a bare EINVAL whatever differs; the group's members, read
/// through NETLINK_SOCK_DIAG, say which.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class FanoutSetup
{
    /// <summary>
    /// Joins (creating the group when <see cref="FanoutGroupOptions.GroupId"/> is null or names no group), sets the
    /// selecting program for <see cref="FanoutMode.Cbpf"/> and <see cref="FanoutMode.Ebpf"/>, and returns the group's id.
    /// The socket must be bound: the kernel only takes running sockets into a group.
    /// </summary>
    public static ushort Join(FileDescriptorHandle fd, LinkInfo link, FanoutGroupOptions options, bool ignoreOutgoing)
    {
        ushort flags = options.GroupFlags(ignoreOutgoing);
        bool unique = options.GroupId is null;
        ushort typeFlags = (ushort)((int)options.Mode | flags | (unique ? PACKET_FANOUT_FLAG_UNIQUEID : 0));
        int errno = PacketFanoutCalls.TryJoin(fd, options.GroupId ?? 0, typeFlags, (uint)options.MaxMembers);
        if (errno != 0) throw Refusal(errno, link, options, (int)options.Mode, flags);
        ushort id = (ushort)PacketFanoutCalls.Get(fd, link.Name);
        // The program belongs to the group: each member sets it (the same one), so whichever joins first has it in place.
        if (options.Mode == FanoutMode.Cbpf)
        {
            int programErrno = PacketSocketSetup.TrySetProgram(fd, SOL_PACKET, PACKET_FANOUT_DATA, options.ClassicProgram!);
            if (programErrno != 0)
                NativeCallException.Throw($"setsockopt(PACKET_FANOUT_DATA, classic BPF, {options.ClassicProgram!.Length} instructions)", programErrno, link.Name);
        }
        else if (options.Mode == FanoutMode.Ebpf)
        {
            PacketFanoutCalls.SetExtendedProgram(fd, options.ExtendedProgramFd, link.Name);
        }
        return id;
    }

    /// <summary>The typed error for a refused join; <paramref name="mode"/> is the raw mode asked for (a test may pass one the kernel lacks).</summary>
    internal static Exception Refusal(int errno, LinkInfo link, FanoutGroupOptions options, int mode, ushort flags)
    {
        string call = options.MaxMembers == 0 ? "setsockopt(PACKET_FANOUT)" : $"setsockopt(PACKET_FANOUT, fanout_args max_num_members {options.MaxMembers})";
        NativeCallException native = NativeCallException.For(call, errno, link.Name);
        ushort? id = options.GroupId;
        string group = id is null ? "a new group" : $"group {id}";
        if (errno == Errno.ENOSPC)
        {
            int members = id is null ? -1 : Members(id.Value)?.Count ?? -1;
            string limit = options.MaxMembers == 0 ? "256 (the classic limit; a group created with a larger FanoutGroupOptions.MaxMembers holds up to 65536)" : options.MaxMembers.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new FanoutGroupFullException(
                $"The fan-out {group} on '{link.Name}' is full{(members >= 0 ? $" ({members} members)" : "")}; its member limit is {limit} unless it was created with another. {native.Message}",
                link.Name, id, members, native);
        }
        if (errno != Errno.EINVAL) return native;
        List<PacketSocketInfo>? existing = id is null ? [] : Members(id.Value);
        if (existing is { Count: 0 })
        {
            // No group to differ from: the kernel refused to create this one.
            string what = options.MaxMembers != 0
                ? $"mode {ModeName(mode)} with flags {FlagNames(flags)} and a member limit of {options.MaxMembers} (struct fanout_args needs Linux 5.13 or later)"
                : $"mode {ModeName(mode)} with flags {FlagNames(flags)}";
            return new FanoutNotSupportedException(
                $"This kernel ({Environment.OSVersion.Version}) refused to create a fan-out group with {what} on '{link.Name}'. {native.Message}",
                link.Name, id, (FanoutMode)mode, native);
        }
        if (existing is null)
        {
            return new FanoutGroupMismatchException(
                $"Fan-out {group} on '{link.Name}' refused the ring: its mode, flags, interface or member limit differ from this ring's (mode {ModeName(mode)}, flags {FlagNames(flags)}), and the kernel's socket diagnostics (CONFIG_PACKET_DIAG) are not available to say which. {native.Message}",
                link.Name, id!.Value, FanoutMismatch.Unknown, native);
        }
        return Mismatch(existing[0], link, options, mode, flags, native);
    }

    private static FanoutGroupMismatchException Mismatch(PacketSocketInfo member, LinkInfo link, FanoutGroupOptions options, int mode, ushort flags,
        NativeCallException native)
    {
        int groupMode = (int)((member.Fanout >> 16) & 0xff);
        ushort groupFlags = (ushort)(((member.Fanout >> 24) & 0xff) << 8);
        var differences = FanoutMismatch.None;
        var parts = new List<string>();
        if (groupMode != mode)
        {
            differences |= FanoutMismatch.Mode;
            parts.Add($"the group's mode is {ModeName(groupMode)}, this ring asked for {ModeName(mode)}");
        }
        if (groupFlags != flags)
        {
            differences |= FanoutMismatch.Flags;
            parts.Add($"the group's flags are {FlagNames(groupFlags)}, this ring's {FlagNames(flags)}");
        }
        if (member.InterfaceIndex != link.Index)
        {
            differences |= FanoutMismatch.Interface;
            string other = NetworkLinks.List().FirstOrDefault(l => l.Index == member.InterfaceIndex)?.Name ?? $"index {member.InterfaceIndex}";
            parts.Add($"the group captures on '{other}', this ring on '{link.Name}' (index {link.Index})");
        }
        if (member.Protocol != ETH_P_ALL)
        {
            differences |= FanoutMismatch.Protocol;
            parts.Add($"the group's members are bound to protocol 0x{member.Protocol:x4}, this ring to ETH_P_ALL");
        }
        if (differences == FanoutMismatch.None)
        {
            differences = options.MaxMembers != 0 ? FanoutMismatch.MaxMembers : FanoutMismatch.Unknown;
            parts.Add(options.MaxMembers != 0
                ? $"mode, flags and interface agree, so the member limit must differ: this ring gave {options.MaxMembers} (give 0 to join whatever limit the group has)"
                : "mode, flags and interface agree; the kernel refused for a reason it does not show");
        }
        ushort id = (ushort)member.Fanout;
        return new FanoutGroupMismatchException(
            $"Fan-out group {id} on '{link.Name}' refused the ring: {string.Join("; ", parts)}. Every member must match the group. {native.Message}",
            link.Name, id, differences, native);
    }

    /// <summary>The packet sockets in group <paramref name="id"/> of this network namespace, or null when they cannot be listed.</summary>
    private static List<PacketSocketInfo>? Members(ushort id) =>
        PacketSocketDiag.TryList()?.Where(s => s.IsMemberOf(id)).ToList();

    internal static string ModeName(int mode) => Enum.IsDefined((FanoutMode)mode) ? ((FanoutMode)mode).ToString() : $"{mode} (unknown)";

    internal static string FlagNames(ushort flags)
    {
        var names = new List<string>();
        if ((flags & PACKET_FANOUT_FLAG_DEFRAG) != 0) names.Add("Defrag");
        if ((flags & PACKET_FANOUT_FLAG_ROLLOVER) != 0) names.Add("RolloverWhenFull");
        if ((flags & PACKET_FANOUT_FLAG_IGNORE_OUTGOING) != 0) names.Add("IgnoreOutgoing");
        return names.Count == 0 ? "none" : string.Join("+", names);
    }
}
