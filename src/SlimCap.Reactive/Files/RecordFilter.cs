using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// What <see cref="CaptureFileOptions.BpfFilter"/> or <see cref="CaptureFileOptions.Filter"/> keeps, run as libpcap
/// filters a file (compiled program, captured bytes, wire length). An expression is compiled for each link type the
/// records carry (a pcapng file may hold several), once, on the first record of that type.
/// </summary>
internal sealed class RecordFilter
{
    private readonly BpfFilterFunction? _program;
    private readonly string? _expression;
    private readonly Dictionary<LinkType, BpfFilterFunction> _byLinkType = [];
    private LinkType _lastLinkType;
    private BpfFilterFunction? _last;

    private RecordFilter(BpfFilterFunction? program, string? expression)
    {
        _program = program;
        _expression = expression;
    }

    /// <summary>The filter the options ask for, or null; an expression is compiled for <paramref name="linkType"/> now, so a bad one fails at open.</summary>
    /// <exception cref="FilterExpressionException">The expression is invalid, or not supported for the file's link type.</exception>
    public static RecordFilter? For(CaptureFileOptions options, LinkType linkType)
    {
        if (options.BpfFilter is { } program) return new RecordFilter(program.Compile(), null);
        if (options.Filter is not { } expression) return null;
        var filter = new RecordFilter(null, expression);
        filter.For(linkType);
        return filter;
    }

    public bool Keeps(in PacketRef packet)
    {
        BpfFilterFunction run = _program ?? (packet.LinkType == _lastLinkType && _last is not null ? _last : For(packet.LinkType));
        return run(packet.Data, (uint)Math.Min(packet.TotalLength, uint.MaxValue)) != 0;
    }

    private BpfFilterFunction For(LinkType linkType)
    {
        if (!_byLinkType.TryGetValue(linkType, out BpfFilterFunction? run))
        {
            // tcpdump compiles a file's filter with netmask 0 and libpcap's largest snapshot length.
            run = PcapFilter.Compile(_expression!, new PcapFilterOptions { LinkType = linkType }).Compile();
            _byLinkType[linkType] = run;
        }
        _lastLinkType = linkType;
        _last = run;
        return run;
    }

    /// <summary>The filter as a view selector.</summary>
    internal readonly struct Selector(RecordFilter filter) : IPacketSelector
    {
        public bool Select(PacketType type, in PacketRef packet) => filter.Keeps(packet);
    }
}
