using SlimCap.Reactive;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Capture;

/// <summary>
/// A pcap-filter expression run in user space on records of capture files, as tcpdump runs it on a file: compiled once
/// per link type (a pcapng file may hold several), run with libpcap's semantics on the captured bytes and wire length.
/// </summary>
internal sealed class PacketFilter(string expression, int snapLength)
{
    private readonly Dictionary<LinkType, BpfFilterFunction> _byLinkType = [];

    public string Expression => expression;

    /// <summary>True when the expression keeps <paramref name="packet"/>.</summary>
    /// <exception cref="SlimCap.Reactive.FilterLanguage.FilterExpressionException">The expression cannot be compiled for the packet's link type.</exception>
    public bool Keeps(in PacketRef packet) =>
        For(packet.LinkType)(packet.Data, (uint)Math.Min(packet.TotalLength, uint.MaxValue)) != 0;

    /// <summary>Compiles for <paramref name="linkType"/> now, so a bad expression fails before any record is read.</summary>
    public void Prepare(LinkType linkType) => For(linkType);

    private BpfFilterFunction For(LinkType linkType)
    {
        if (!_byLinkType.TryGetValue(linkType, out BpfFilterFunction? run))
        {
            run = FilterExpression.Compile(expression, linkType, snapLength, kernel: false)!.Compile();
            _byLinkType.Add(linkType, run);
        }
        return run;
    }
}
