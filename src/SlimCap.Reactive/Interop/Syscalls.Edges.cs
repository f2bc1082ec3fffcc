using System.Runtime.InteropServices;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Interop;

// An edge-triggered readiness set: an epoll instance holding one descriptor with EPOLLIN | EPOLLET. It becomes
// readable (to ppoll) each time the descriptor's wait queue is woken with data, whatever its level readiness says: for
// a TPACKET_V3 socket, each time the kernel retires a block. The ring reader polls it instead of the socket while the
// socket's own readiness says nothing (poll reports a ring readable as long as the block before the kernel's current
// one is user-owned, that is while a consumer holds it).
internal static unsafe partial class Syscalls
{
    private const int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1;
    private const uint EPOLLIN = 0x001, EPOLLERR = 0x008, EPOLLHUP = 0x010, EPOLLET = 1u << 31;

    /// <summary>epoll_create1 with <paramref name="fd"/> added as EPOLLIN | EPOLLET.</summary>
    public static FileDescriptorHandle OpenEdgeSet(FileDescriptorHandle fd, string? interfaceName)
    {
        int epoll = epoll_create1(EPOLL_CLOEXEC);
        if (epoll < 0) NativeCallException.ThrowLastError("epoll_create1", interfaceName);
        var set = new FileDescriptorHandle(epoll);
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            // struct epoll_event is packed on x86-64 (12 bytes) and 16 bytes elsewhere; events come first in both, and
            // data (unused here) is left zero.
            byte* ev = stackalloc byte[16];
            new Span<byte>(ev, 16).Clear();
            *(uint*)ev = EPOLLIN | EPOLLET;
            if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd.Fd, ev) != 0) NativeCallException.ThrowLastError("epoll_ctl(EPOLL_CTL_ADD)", interfaceName);
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    /// <summary>
    /// Takes the edge an <see cref="OpenEdgeSet"/> set holds, without waiting: true when it holds one and the descriptor
    /// reported an error or hang-up with it. The set is not readable again until the next wake-up.
    /// </summary>
    public static bool TakeEdge(FileDescriptorHandle set)
    {
        bool added = false;
        try
        {
            set.DangerousAddRef(ref added);
            byte* ev = stackalloc byte[16];
            int rv;
            do rv = epoll_wait(set.Fd, ev, 1, 0);
            while (rv < 0 && Errno.Last == Errno.EINTR);
            return rv == 1 && (*(uint*)ev & (EPOLLERR | EPOLLHUP)) != 0;
        }
        finally
        {
            if (added) set.DangerousRelease();
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);
}
