using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tmds.Linux;
using static SlimCap.Reactive.Interop.LinuxConstants;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Interop;

/// <summary>
/// Thin wrappers over the syscalls capture needs. Each names its call in the exception it
/// throws, holds a reference on the descriptor for the call's duration, and retries EINTR.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class Syscalls
{
    /// <summary>socket(AF_PACKET, SOCK_RAW, protocol), close-on-exec.</summary>
    public static FileDescriptorHandle OpenPacketSocket(ushort protocolHostOrder, string? interfaceName)
    {
        int fd = LibC.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, HostToNetwork(protocolHostOrder));
        if (fd < 0) NativeCallException.ThrowLastError("socket(AF_PACKET, SOCK_RAW)", interfaceName);
        return new FileDescriptorHandle(fd);
    }

    /// <summary>eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK).</summary>
    public static FileDescriptorHandle OpenEventFd()
    {
        int fd = LibC.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (fd < 0) NativeCallException.ThrowLastError("eventfd", null);
        return new FileDescriptorHandle(fd);
    }

    /// <summary>setsockopt with an unmanaged value; <paramref name="call"/> names it in errors.</summary>
    public static void SetSocketOption<T>(FileDescriptorHandle fd, int level, int name, in T value, string call, string? interfaceName)
        where T : unmanaged
    {
        int errno = TrySetSocketOption(fd, level, name, value);
        if (errno != 0) NativeCallException.Throw(call, errno, interfaceName);
    }

    /// <summary>setsockopt returning 0 or the errno.</summary>
    public static int TrySetSocketOption<T>(FileDescriptorHandle fd, int level, int name, in T value) where T : unmanaged
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            fixed (T* p = &value)
            {
                return LibC.setsockopt(fd.Fd, level, name, p, (uint)sizeof(T)) == 0 ? 0 : Errno.Last;
            }
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>
    /// setsockopt of a classic BPF program as struct sock_fprog (SO_ATTACH_FILTER, or a fan-out group's PACKET_FANOUT_DATA);
    /// returns 0 or the errno. The kernel copies the instructions during the call, so they need to live only that long.
    /// </summary>
    public static int TrySetSocketFilter(FileDescriptorHandle fd, int level, int name, ReadOnlySpan<SockFilter> code)
    {
        fixed (SockFilter* instructions = code)
        {
            var program = new SockFprog { Length = (ushort)code.Length, Filter = instructions };
            return TrySetSocketOption(fd, level, name, &program, sizeof(SockFprog));
        }
    }

    /// <summary>setsockopt with a raw buffer.</summary>
    private static int TrySetSocketOption(FileDescriptorHandle fd, int level, int name, void* value, int length)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            return LibC.setsockopt(fd.Fd, level, name, value, (uint)length) == 0 ? 0 : Errno.Last;
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>getsockopt of an unmanaged value; returns 0 or the errno.</summary>
    public static int TryGetSocketOption<T>(FileDescriptorHandle fd, int level, int name, out T value) where T : unmanaged
    {
        bool added = false;
        value = default;
        try
        {
            fd.DangerousAddRef(ref added);
            socklen_t length = (uint)sizeof(T);
            fixed (T* p = &value)
            {
                return LibC.getsockopt(fd.Fd, level, name, p, &length) == 0 ? 0 : Errno.Last;
            }
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>bind(sockaddr_ll) to one interface and protocol.</summary>
    public static void BindPacket(FileDescriptorHandle fd, int interfaceIndex, ushort protocolHostOrder, string? interfaceName)
    {
        SockaddrLl address = default;
        address.Family = AF_PACKET;
        address.Protocol = (ushort)HostToNetwork(protocolHostOrder);
        address.IfIndex = interfaceIndex;
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            if (LibC.bind(fd.Fd, (sockaddr*)&address, (uint)sizeof(SockaddrLl)) != 0)
                NativeCallException.ThrowLastError("bind(AF_PACKET)", interfaceName);
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>mmap(MAP_SHARED) of a packet socket's ring.</summary>
    public static byte* MapShared(FileDescriptorHandle fd, nuint length, string? interfaceName)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            void* p = LibC.mmap(null, (size_t)(ulong)length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.Fd, 0);
            if (p == LibC.MAP_FAILED) NativeCallException.ThrowLastError("mmap(PACKET_RX_RING)", interfaceName);
            return (byte*)p;
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    public static void Unmap(byte* address, nuint length) => LibC.munmap(address, (size_t)(ulong)length);

    /// <summary>
    /// ppoll on <paramref name="fds"/>. Returns the number ready, 0 on time-out, or -errno.
    /// EINTR is retried. <paramref name="timeoutMs"/> &lt; 0 waits forever.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Poll(Span<PollFd> fds, int timeoutMs)
    {
        while (true)
        {
            TimeSpec ts = new() { Seconds = timeoutMs / 1000, Nanoseconds = (timeoutMs % 1000) * 1_000_000L };
            int rv;
            fixed (PollFd* pinned = fds) rv = ppoll(pinned, (nuint)fds.Length, timeoutMs < 0 ? null : &ts, null);
            if (rv >= 0) return rv;
            int errno = Errno.Last;
            if (errno != Errno.EINTR) return -errno;
        }
    }

    /// <summary>Adds <paramref name="value"/> to an eventfd's counter. Never blocks (EFD_NONBLOCK).</summary>
    public static void EventFdAdd(FileDescriptorHandle fd, ulong value)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            LibC.write(fd.Fd, &value, 8);
        }
        catch (ObjectDisposedException)
        {
            // Closed while signalling: nobody is left to wake.
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>Reads and clears an eventfd's counter; 0 when it was already clear.</summary>
    public static ulong EventFdTake(FileDescriptorHandle fd)
    {
        ulong value = 0;
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            return LibC.read(fd.Fd, &value, 8) == 8 ? value : 0;
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>
    /// recvmmsg without a timeout, returning the number of messages received (each one's
    /// <c>msg_len</c> set) or -errno; EINTR retried. An error met after the first message ends the
    /// call early with the count so far, and the kernel keeps the error for the next call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ReceiveMessages(int fd, MMsgHdr* messages, uint count, int flags)
    {
        while (true)
        {
            int rv = recvmmsg(fd, messages, count, flags, null);
            if (rv >= 0) return rv;
            int errno = Errno.Last;
            if (errno != Errno.EINTR) return -errno;
        }
    }

    // Declared here rather than taken from Tmds.LibC, for the same reason as ppoll: SetLastError,
    // so that an error is read from this call and not from an earlier one.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int recvmmsg(int fd, MMsgHdr* messages, uint count, int flags, TimeSpec* timeout);

    // Tmds.LibC 0.5 declares ppoll without SetLastError, so its errno would be a stale one (an EINTR
    // read as the EAGAIN of the recvmmsg before it): declared here with it.
    [LibraryImport("libc", SetLastError = true)]
    private static partial int ppoll(PollFd* fds, nuint count, TimeSpec* timeout, void* signalMask);

    public static int HostToNetwork(ushort value) => BitConverter.IsLittleEndian ? (ushort)((value >> 8) | (value << 8)) : value;
}
