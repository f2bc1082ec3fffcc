using SlimCap.Reactive;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Capture;

/// <summary>
/// A live capture on one interface as the commands use it: one ring or socket source, or a fan-out group of rings,
/// with one way to read its blocks and its counters (per member for a group).
/// </summary>
internal sealed class LiveCapture : IDisposable
{
    private readonly LiveCaptureSource? _source;
    private readonly FanoutGroupSource? _group;

    public LiveCapture(LiveCaptureSource source) => _source = source;

    public LiveCapture(FanoutGroupSource group) => _group = group;

    public LinkInfo Link => _source?.Link ?? _group!.Link;

    public string Name => Link.Name;

    public LinkType LinkType => Link.LinkType;

    /// <summary>The counters of the whole capture (every member's summed).</summary>
    public CaptureStats Stats => _source?.Stats ?? _group!.Stats;

    /// <summary>Fan-out members, or 0 for a single source.</summary>
    public int MemberCount => _group?.MemberCount ?? 0;

    public CaptureStats MemberStats(int member) => _group!.GetMemberStats(member);

    /// <summary>How it captures, for the first line a command prints.</summary>
    public string Description => ((object?)_source ?? _group) switch
    {
        RingSource ring => $"TPACKET_V3 ring {ring.BlockCount} x {ring.Options.EffectiveBlockSize / 1024} KiB",
        SocketSource => "AF_PACKET socket",
        FanoutGroupSource g => $"PACKET_FANOUT group {g.GroupId} of {g.MemberCount} rings ({g.Options.BlockCount} x {g.Options.EffectiveBlockSize / 1024} KiB each)",
        var other => other!.GetType().Name,
    };

    /// <summary>A feed of the capture's blocks; one at a time.</summary>
    public IBlockFeed OpenFeed() => _source is not null ? new SourceFeed(_source) : new FanoutFeed(_group!);

    public void Dispose()
    {
        _source?.Dispose();
        _group?.Dispose();
    }
}
