using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Events;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Ring;
using SlimCap.Reactive.Socket;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// Captures from a network interface through an AF_PACKET TPACKET_V3 ring: the kernel writes
/// packets into shared memory blocks and hands over a block at a time, so reading costs no
/// syscall within a block and no copy at all. slimcap's <c>afring</c> source, with timestamps,
/// VLAN tags, 64-bit stats and a Close that is safe while a reader or leased blocks still use the ring.
/// </summary>
/// <remarks>Thread safety: as <see cref="CaptureSource"/>. Needs CAP_NET_RAW (or root).</remarks>
[SupportedOSPlatform("linux")]
public sealed class RingSource : LiveCaptureSource
{
    private readonly RingMemory _memory;
    private readonly RingReader _reader;
    private readonly FileDescriptorHandle _edges = null!; // the socket, edge-triggered: a wake-up per retired block
    private bool _levelSaysNothing; // the socket polled readable, yet the next block was not retired
    private StarvationClock _starvation;

    /// <summary>Opens a ring on interface <paramref name="interfaceName"/>.</summary>
    /// <exception cref="InvalidCaptureOptionException">An option is invalid (checked before any socket is opened).</exception>
    /// <exception cref="InterfaceNotFoundException">No such interface.</exception>
    /// <exception cref="LinkDownException">The interface is down.</exception>
    /// <exception cref="CapturePermissionException">CAP_NET_RAW is missing.</exception>
    /// <exception cref="NativeCallException">A setup call failed; it is named in the message.</exception>
    public RingSource(string interfaceName, RingOptions? options = null)
        : this(NetworkLinks.Get(interfaceName), options)
    {
    }

    /// <summary>Opens a ring on <paramref name="link"/> (re-read, so its state is current).</summary>
    public RingSource(LinkInfo link, RingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(link);
        options ??= new RingOptions();
        options.Validate();
        link = NetworkLinks.Get(link.Name);
        if (!link.IsUp) throw new LinkDownException(link.Name);
        BpfProgram? filter = options.BuildFilter(link);
        int snap = options.CaptureLength.Resolve(link.IpLayerOffset);
        int blockSize = options.EffectiveBlockSize;
        // The kernel allocates a ring block by block and will push the machine into the OOM killer
        // rather than fail cleanly, so a ring that cannot fit is refused here.
        long available = MemoryInfo.AvailableBytes();
        if (available > 0 && options.RingSize > available / 2)
            throw new InvalidCaptureOptionException(nameof(RingOptions.BlockCount),
                $"a ring of {options.RingSize >> 20} MiB ({options.BlockCount} x {blockSize} bytes) is more than half of this machine's available memory ({available >> 20} MiB); choose a smaller BlockSize or BlockCount.");

        Options = options;
        FileDescriptorHandle? socket = null;
        RingMemory? memory = null;
        WakeSignal? wake = null;
        FileDescriptorHandle? edges = null;
        try
        {
            socket = PacketSocketSetup.Open(link);
            PacketSocketSetup.SetTPacketV3(socket, link);
            if (options.Promiscuous) PacketSocketSetup.SetPromiscuous(socket, link);
            PacketSocketSetup.ApplyOutgoing(socket, link, options.IgnoresOutgoingOn(link), options.IsLoopbackDefault(link));
            // A future group member sees nothing until it has joined: between bind and the join its own hook would
            // otherwise capture every packet of the interface, duplicating what the group's members get.
            if (options.Fanout is not null) PacketSocketSetup.AttachFilter(socket, BpfProgram.AcceptAll(0), link.Name);
            else if (filter is not null) PacketSocketSetup.AttachFilter(socket, filter, link.Name);
            int frameSize = RingOptions.FrameSize(blockSize, snap);
            var request = new TPacketReq3
            {
                BlockSize = (uint)blockSize,
                BlockCount = (uint)options.BlockCount,
                FrameSize = (uint)frameSize,
                FrameCount = (uint)((long)blockSize / frameSize * options.BlockCount),
                RetireBlockTimeoutMs = (uint)options.BlockTimeout.TotalMilliseconds,
            };
            PacketSocketSetup.SetRxRing(socket, request, link);
            memory = MappedRingMemory.Map(socket, (nuint)options.RingSize, link.Name);
            wake = new WakeSignal();
            edges = Syscalls.OpenEdgeSet(socket, link.Name);
            PacketSocketSetup.Bind(socket, link);
            if (options.Fanout is not null)
            {
                FanoutGroupId = FanoutSetup.Join(socket, link, options.Fanout, options.IgnoresOutgoingOn(link));
                if (filter is not null) PacketSocketSetup.AttachFilter(socket, filter, link.Name);
                else PacketFanoutCalls.DetachFilter(socket, link.Name);
            }
            _memory = memory;
            _edges = edges;
            _reader = new RingReader(memory, blockSize, options.BlockCount, link.LinkType) { ReleasedWhileParked = wake.SignalFreed };
            // The grace lets the kernel's block timer retire the partly filled block after a link goes down.
            Attach(link, options, socket, wake, filter, snap, options.LinkDown,
                TimeSpan.FromMilliseconds(Math.Min(options.BlockTimeout.TotalMilliseconds, 800) + LinkMonitor.PollMilliseconds));
            SetupFault.Check("attached", link.Name);
        }
        catch
        {
            // Every descriptor and mapping taken so far is released now, not at some later GC.
            memory?.Dispose();
            edges?.Dispose();
            wake?.Dispose();
            socket?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The PACKET_FANOUT group the ring is a member of (as the kernel reports it: the id it allocated, or the one
    /// given in <see cref="FanoutGroupOptions.GroupId"/>), or null when <see cref="RingOptions.Fanout"/> was not set.
    /// Give it to another ring's <see cref="FanoutGroupOptions.GroupId"/> to have it join the same group.
    /// </summary>
    public ushort? FanoutGroupId { get; }

    /// <summary>This ring's index in its <see cref="FanoutGroupSource"/>, stamped on every block it hands out; -1 outside a group source.</summary>
    internal int FanoutMember { get; set; } = -1;

    /// <summary>The options the ring was opened with.</summary>
    public RingOptions Options { get; }

    /// <inheritdoc/>
    public override int LeasedBlocks => _reader.HeldCount;

    /// <summary>The ring's number of blocks.</summary>
    public int BlockCount => _reader.BlockCount;

    internal override int BlockCapacity => _reader.BlockCount;

    internal override bool ReusesBlocksInOrder => true;

    private protected override long Starvations => _reader.Starvations;

    /// <summary>Every block of the ring may hold packets of the old program, the one the kernel is filling included.</summary>
    private protected override int RefilterBlocks => _reader.BlockCount;

    internal override string SourceKind => "ring";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private protected override CaptureStatus ReadKernelBlock(PacketBlock? spare, out PacketBlock? block)
    {
        block = null;
        if (!_memory.TryAddRef()) return CaptureStatus.Stopped;
        try
        {
            while (true)
            {
                if (Wake.IsStopped) return CaptureStatus.Stopped;
                TakeResult take = _reader.TryTake(out PacketBlock? taken, spare);
                if (take == TakeResult.Taken)
                {
                    _starvation.Fed();
                    _levelSaysNothing = false;
                    taken!.FanoutMember = FanoutMember;
                    block = taken;
                    return CaptureStatus.Packet;
                }
                if (LinkMonitor.IsDown) LinkMonitor.Check();
                // A link that is down gives no further signal, so it is looked at on a timer; so is a starved ring
                // when the starvation clock's next collection (of leases dropped undisposed) is due. Nothing else is
                // timed: every other wait ends on a real wake-up.
                int timeout = LinkMonitor.IsDown ? LinkMonitor.PollMilliseconds : -1;
                WaitResult wait;
                int errno = 0;
                if (take == TakeResult.Starved)
                {
                    // The next block is still leased: only its release helps, and it wakes this wait (the eventfd's
                    // freed signal, sent only while the reader is parked, so releases cost nothing otherwise).
                    _starvation.Starving(); // forgotten leases go back once collected
                    if (!_reader.ParkForRelease()) continue;
                    int collect = _starvation.MillisecondsUntilCollection();
                    try
                    {
                        wait = Wake.Wait(Socket, timeout < 0 ? collect : Math.Min(timeout, collect), out _, socketToo: false);
                    }
                    finally
                    {
                        _reader.Unpark();
                    }
                }
                else if (_levelSaysNothing)
                {
                    // The kernel reports a ring readable while the block before its current one is user-owned (a
                    // consumer holds it), so that readiness says nothing about the next block: wait for the socket's
                    // next wake-up instead, which the kernel gives as it retires a block (full or on its timer).
                    wait = Wake.Wait(_edges, timeout, out errno);
                    if (wait == WaitResult.Ready && Syscalls.TakeEdge(_edges)) wait = WaitResult.SocketError;
                }
                else
                {
                    wait = Wake.Wait(Socket, timeout, out errno);
                    if (wait == WaitResult.Ready) _levelSaysNothing = true; // until a block is taken: see above
                }
                switch (wait)
                {
                    case WaitResult.Unblocked: return CaptureStatus.Unblocked;
                    case WaitResult.Stopped: return CaptureStatus.Stopped;
                    case WaitResult.SocketError:
                        int error = errno != 0 ? errno : PacketSocketSetup.TakeSocketError(Socket);
                        if (error != 0) LinkMonitor.OnSocketError(error, "ppoll(AF_PACKET ring)");
                        break;
                }
            }
        }
        finally
        {
            _memory.DangerousRelease();
        }
    }

    private protected override void FreeResources()
    {
        PacketSocketSetup.DropEverything(Socket);
        // Every lease ends now (reads throw, disposes do nothing), so nothing the consumers hold keeps the ring: its
        // range becomes zero pages as soon as a reader in its wait has left, and the socket then closes.
        _reader.RevokeAll();
        _memory.Dispose();
        _edges.Dispose(); // closes once a reader in its wait has left
    }
}
