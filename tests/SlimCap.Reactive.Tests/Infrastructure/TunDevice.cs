using System.Runtime.InteropServices;
using System.Text;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>A tun device (raw IP, ARPHRD_NONE) created in the calling thread's namespace; writing a packet makes the kernel receive it on the device.</summary>
internal sealed unsafe partial class TunDevice : IDisposable
{
    private const uint TUNSETIFF = 0x400454ca;
    private const short IFF_TUN = 0x0001, IFF_NO_PI = 0x1000;
    private readonly int _fd;

    public TunDevice(string name)
    {
        _fd = open("/dev/net/tun", 2 /* O_RDWR */ | 0x80000 /* O_CLOEXEC */);
        if (_fd < 0) throw new InvalidOperationException($"open(/dev/net/tun) failed: errno {Marshal.GetLastPInvokeError()}");
        byte* request = stackalloc byte[40];
        new Span<byte>(request, 40).Clear();
        Encoding.ASCII.GetBytes(name, new Span<byte>(request, 15));
        *(short*)(request + 16) = IFF_TUN | IFF_NO_PI;
        if (ioctl(_fd, TUNSETIFF, request) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            close(_fd);
            throw new InvalidOperationException($"ioctl(TUNSETIFF) failed: errno {errno}");
        }
        Name = name;
    }

    public string Name { get; }

    public void Write(ReadOnlySpan<byte> ipPacket)
    {
        fixed (byte* p = ipPacket)
        {
            if (write(_fd, p, (nuint)ipPacket.Length) != ipPacket.Length)
                throw new InvalidOperationException($"write(tun) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Dispose() => close(_fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, uint request, void* argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
