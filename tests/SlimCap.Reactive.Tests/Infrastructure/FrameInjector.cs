using System.Runtime.InteropServices;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Interop;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Sends raw frames out of one interface through an AF_PACKET socket (opened in the caller's namespace).</summary>
internal sealed unsafe partial class FrameInjector : IDisposable
{
    private readonly FileDescriptorHandle _socket;

    public FrameInjector(string interfaceName)
    {
        var link = SlimCap.Reactive.Links.NetworkLinks.Get(interfaceName);
        _socket = Syscalls.OpenPacketSocket(0, interfaceName);
        // Protocol 0: this socket only sends; it receives nothing.
        Syscalls.BindPacket(_socket, link.Index, 0, interfaceName);
    }

    public void Send(ReadOnlySpan<byte> frame)
    {
        fixed (byte* p = frame)
        {
            while (true)
            {
                nint n = send(_socket.Fd, p, (nuint)frame.Length, 0);
                if (n == frame.Length) return;
                int errno = Marshal.GetLastPInvokeError();
                if (n < 0 && errno == Errno.ENOBUFS)
                {
                    Thread.Sleep(1);
                    continue;
                }
                throw new InvalidOperationException($"send failed: {n}, errno {errno}");
            }
        }
    }

    public void Dispose() => _socket.Dispose();

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buffer, nuint length, int flags);
}
