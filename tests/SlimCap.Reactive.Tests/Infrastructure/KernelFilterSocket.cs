using System.Net.Sockets;
using System.Runtime.InteropServices;
using SlimCap.Reactive.Filters;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Asks the running kernel whether it accepts a classic-BPF program: SO_ATTACH_FILTER on a plain UDP socket (no privileges needed).</summary>
internal sealed class KernelFilterSocket : IDisposable
{
    private const int SolSocket = 1, SoAttachFilter = 26;
    private readonly System.Net.Sockets.Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    /// <summary>0 when the kernel attached the program, else the errno it refused it with.</summary>
    public unsafe int TryAttach(ReadOnlySpan<BpfInstruction> code)
    {
        // struct sock_filter is { u16 code; u8 jt; u8 jf; u32 k } = 8 bytes, as BpfInstruction's fields in that order.
        var raw = new ulong[Math.Max(1, code.Length)];
        for (int i = 0; i < code.Length; i++)
            raw[i] = code[i].Code | (ulong)code[i].JumpTrue << 16 | (ulong)code[i].JumpFalse << 24 | (ulong)code[i].K << 32;
        fixed (ulong* filter = raw)
        {
            Span<byte> fprog = stackalloc byte[16];
            fprog.Clear();
            MemoryMarshal.Write(fprog, (ushort)code.Length);
            MemoryMarshal.Write(fprog[8..], (nint)filter);
            try
            {
                _socket.SetRawSocketOption(SolSocket, SoAttachFilter, fprog);
                return 0;
            }
            catch (SocketException e)
            {
                return e.NativeErrorCode;
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
