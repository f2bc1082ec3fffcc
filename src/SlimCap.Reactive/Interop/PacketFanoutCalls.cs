using System.Runtime.Versioning;
using static SlimCap.Reactive.Interop.LinuxConstants;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Interop;

/// <summary>
/// The PACKET_FANOUT socket options, thin: each returns the errno (0 on success) or throws
/// <see cref="NativeCallException"/> naming the call, so that the caller can tell a group that differs
/// (EINVAL) or is full (ENOSPC) from other failures before it throws anything typed.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe class PacketFanoutCalls
{
    /// <summary>
    /// setsockopt(PACKET_FANOUT) joining (or creating) group <paramref name="id"/>. With
    /// <paramref name="maxMembers"/> 0 the classic int argument is passed (every kernel since 3.1, at most 256
    /// members); otherwise struct fanout_args (kernel 5.13+), whose limit the group keeps for its lifetime.
    /// </summary>
    public static int TryJoin(FileDescriptorHandle fd, ushort id, ushort typeFlags, uint maxMembers)
    {
        if (maxMembers == 0) return Syscalls.TrySetSocketOption(fd, SOL_PACKET, PACKET_FANOUT, id | (typeFlags << 16));
        return Syscalls.TrySetSocketOption(fd, SOL_PACKET, PACKET_FANOUT, FanoutArgs.Create(id, typeFlags, maxMembers));
    }

    /// <summary>
    /// getsockopt(PACKET_FANOUT): the group the socket is in, as the kernel packs it (id in bits 0-15, mode in
    /// 16-23, flags in 24-31), or 0 when it is in none.
    /// </summary>
    public static uint Get(FileDescriptorHandle fd, string? interfaceName)
    {
        int errno = Syscalls.TryGetSocketOption(fd, SOL_PACKET, PACKET_FANOUT, out int value);
        if (errno != 0) NativeCallException.Throw("getsockopt(PACKET_FANOUT)", errno, interfaceName);
        return (uint)value;
    }

    /// <summary>setsockopt(PACKET_FANOUT_DATA) with the descriptor of a loaded eBPF socket-filter program (PACKET_FANOUT_EBPF).</summary>
    public static void SetExtendedProgram(FileDescriptorHandle fd, int programFd, string? interfaceName)
    {
        int errno = Syscalls.TrySetSocketOption(fd, SOL_PACKET, PACKET_FANOUT_DATA, programFd);
        if (errno != 0) NativeCallException.Throw($"setsockopt(PACKET_FANOUT_DATA, eBPF program fd {programFd})", errno, interfaceName);
    }

    /// <summary>setsockopt(SO_DETACH_FILTER): removes the socket's filter (ENOENT when there was none is not an error).</summary>
    public static void DetachFilter(FileDescriptorHandle fd, string? interfaceName)
    {
        int errno = Syscalls.TrySetSocketOption(fd, SOL_SOCKET, SO_DETACH_FILTER, 0);
        if (errno != 0 && errno != Errno.ENOENT) NativeCallException.Throw("setsockopt(SO_DETACH_FILTER)", errno, interfaceName);
    }
}
