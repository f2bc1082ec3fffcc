using System.Diagnostics;
using System.Runtime.Versioning;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// Follows the captured interface once the socket reported ENETDOWN: while down, the reader polls on
/// a short timer (the socket gives no further signal), drains what the kernel already captured, and
/// this decides when to end: the interface is gone, or down past the grace period under
/// <see cref="LinkDownPolicy.Fail"/>. The link is looked up through the capture socket itself, so
/// the answer is for the socket's namespace, whatever thread asks.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class LinkMonitor
{
    /// <summary>How often a reader re-checks a link that is down.</summary>
    public const int PollMilliseconds = 100;

    private readonly FileDescriptorHandle _socket;
    private readonly LinkInfo _link;
    private readonly LinkDownPolicy _policy;
    private readonly long _graceTicks;
    private long _downSince;

    public LinkMonitor(FileDescriptorHandle socket, LinkInfo link, LinkDownPolicy policy, TimeSpan grace)
    {
        _socket = socket;
        _link = link;
        _policy = policy;
        _graceTicks = (long)(grace.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>True between an ENETDOWN and the link being up again.</summary>
    public bool IsDown { get; private set; }

    /// <summary>Times the link was seen going down.</summary>
    public long DownEvents { get; private set; }

    /// <summary>Records that the socket reported the link down.</summary>
    public void OnNetworkDown()
    {
        if (IsDown) return;
        IsDown = true;
        DownEvents++;
        _downSince = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Called when no packet is ready while the link is down: throws when the capture must end,
    /// clears <see cref="IsDown"/> when the link is back.
    /// </summary>
    public void Check()
    {
        if (!IsDown) return;
        // The grace lets the kernel retire the partly filled block, so its packets are read first.
        bool graceOver = Stopwatch.GetTimestamp() - _downSince > _graceTicks;
        if (!InterfaceIoctl.TryDescribe(_link.Name, _socket, out InterfaceIoctl.Description now) || now.Index != _link.Index)
        {
            if (graceOver) throw new InterfaceGoneException(_link.Name, _link.Index);
            return;
        }
        if ((now.Flags & LinuxConstants.IFF_UP) != 0 && (now.Flags & 0x40) != 0) // IFF_UP and IFF_RUNNING
        {
            IsDown = false;
            return;
        }
        if (_policy == LinkDownPolicy.Fail && graceOver)
            throw new LinkDownException(_link.Name, "it went down while capturing; every packet captured before was delivered");
    }

    /// <summary>Sorts a socket error: ENETDOWN-like errors start link-down handling, anything else is thrown.</summary>
    public void OnSocketError(int errno, string call)
    {
        if (errno is Errno.ENETDOWN or Errno.ENXIO or Errno.ENODEV)
        {
            OnNetworkDown();
            return;
        }
        throw NativeCallException.For(call, errno, _link.Name);
    }
}
