using System.Runtime.Versioning;
using SlimCap.Reactive.Interop;
using static SlimCap.Reactive.Interop.LinuxConstants;

namespace SlimCap.Reactive.Socket;

/// <summary>
/// Accumulates PACKET_STATISTICS, which the kernel resets on every read, into 64-bit totals
/// (libpcap and SharpPcap keep 32-bit counters that wrap). Thread-safe.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class KernelStatistics
{
    private readonly object _gate = new();
    private readonly FileDescriptorHandle _socket;
    private readonly string _interfaceName;
    private long _received, _dropped, _freezes;

    public KernelStatistics(FileDescriptorHandle socket, string interfaceName)
    {
        _socket = socket;
        _interfaceName = interfaceName;
    }

    /// <summary>Reads the kernel's counters (if the socket is still open) and returns the totals.</summary>
    public (long Received, long Dropped, long Freezes) Read()
    {
        lock (_gate)
        {
            if (!_socket.IsClosed)
            {
                try
                {
                    if (Syscalls.TryGetSocketOption(_socket, SOL_PACKET, PACKET_STATISTICS, out TPacketStatsV3 stats) == 0)
                    {
                        _received += stats.Packets;
                        _dropped += stats.Drops;
                        _freezes += stats.FreezeQueueCount;
                    }
                }
                catch (ObjectDisposedException)
                {
                    // Closed between the check and the call: the totals so far are final.
                }
            }
            return (_received, _dropped, _freezes);
        }
    }

    public string InterfaceName => _interfaceName;
}
