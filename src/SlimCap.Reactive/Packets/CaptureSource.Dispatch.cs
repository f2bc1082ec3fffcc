using System.Runtime.CompilerServices;

namespace SlimCap.Reactive.Packets;

public abstract partial class CaptureSource
{
    /// <summary>
    /// Passes the packets of one block, in place, to <paramref name="callback"/> (libpcap's <c>pcap_dispatch</c>): the
    /// rest of the block the packet calls are part way through, or else the next block, waiting for it as
    /// <see cref="NextPacket(PacketCallback)"/> does; at most <paramref name="maxPackets"/> of them. The loop over the
    /// block's packets runs inside the library, so per packet only the step to the next header and the call remain:
    /// the cheapest way to see every packet. A block whose last packet was passed goes back at once.
    /// </summary>
    /// <param name="callback">Receives each packet; its <c>payload</c> is valid only during the call.</param>
    /// <param name="packets">How many packets were passed (0 unless the result is <see cref="CaptureStatus.Packet"/>).</param>
    /// <param name="maxPackets">The most packets to pass in this call (positive); the next call goes on with the rest of the block.</param>
    /// <returns><see cref="CaptureStatus.Packet"/> when packets were passed; otherwise what the block read returned
    /// (a timeout, <see cref="CaptureStatus.Unblocked"/>, <see cref="CaptureStatus.Stopped"/>).</returns>
    /// <remarks>
    /// It mixes freely with the other packet calls (<see cref="NextPacket(PacketCallback)"/>, <see cref="NextPacketRef"/>):
    /// together they see every packet once, in order. If the callback throws, the exception propagates and the block is
    /// given back at once (its later packets are skipped), as with <see cref="NextPacket(PacketCallback)"/>.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPackets"/> is zero or negative.</exception>
    /// <exception cref="ObjectDisposedException">The source was closed (before or during the call).</exception>
    public CaptureStatus Dispatch(PacketCallback callback, out int packets, int maxPackets = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return Dispatch(callback, s_forward, out packets, maxPackets);
    }

    /// <summary>As <see cref="Dispatch(PacketCallback, out int, int)"/>, passing <paramref name="state"/> so the callback needs no closure.</summary>
    /// <typeparam name="TState">The state's type.</typeparam>
    /// <param name="state">Passed to each call of <paramref name="callback"/>.</param>
    /// <param name="callback">Receives each packet; its <c>payload</c> is valid only during the call.</param>
    /// <param name="packets">How many packets were passed (0 unless the result is <see cref="CaptureStatus.Packet"/>).</param>
    /// <param name="maxPackets">The most packets to pass in this call (positive).</param>
    /// <returns>As <see cref="Dispatch(PacketCallback, out int, int)"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPackets"/> is zero or negative.</exception>
    /// <exception cref="ObjectDisposedException">The source was closed (before or during the call).</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public CaptureStatus Dispatch<TState>(TState state, PacketCallback<TState> callback, out int packets, int maxPackets = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPackets);
        while (true)
        {
            PacketBlock? block = _cursorBlock;
            if (block is not null && !IsDisposed)
            {
                int passed;
                try
                {
                    passed = block.VisitVisiblePayloads(_cursorGeneration, ref _cursorPosition, ref _cursorIndex, state, callback, maxPackets);
                }
                catch (Exception e)
                {
                    OnCursorFault(e);
                    throw;
                }
                if (passed < maxPackets) ReleaseCursor(); // the walk reached the block's end: back to the kernel now, not on the next read
                if (passed > 0)
                {
                    packets = passed;
                    return CaptureStatus.Packet;
                }
            }
            CaptureStatus status = NextCursorBlock();
            if (status != CaptureStatus.Packet)
            {
                packets = 0;
                return status;
            }
        }
    }

    // The stateless form passes its callback as the state (one more delegate call per packet, no closure).
    private static readonly PacketCallback<PacketCallback> s_forward = static (callback, data, totalLength, type, ipLayerOffset) =>
        callback(data, totalLength, type, ipLayerOffset);
}
