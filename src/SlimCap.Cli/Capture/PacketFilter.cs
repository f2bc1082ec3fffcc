using SlimCap.Reactive;
using SlimCap.Reactive.Filters;

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
    public bool Keeps(in PacketRef packet)
    {
        if (!_byLinkType.TryGetValue(packet.LinkType, out BpfFilterFunction? run))
        {
            run = FilterExpression.Compile(expression, packet.LinkType, snapLength, kernel: false)!.Compile();
            _byLinkType.Add(packet.LinkType, run);
        }
        return run(packet.Data, (uint)Math.Min(packet.TotalLength, uint.MaxValue)) != 0;
    }
}
