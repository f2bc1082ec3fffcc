using SlimCap.Reactive;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

namespace SlimCap.Cli.Stats;

/// <summary>
/// Bytes and packets per flow (both directions of a 5-tuple as one, <see cref="FlowKey.Symmetric5Tuple(in PacketRef)"/>),
/// bounded: past <see cref="MaxFlows"/> flows, new ones are counted together as "other flows".
/// </summary>
/// <remarks>Thread safety: <see cref="Add"/> on the capture thread, <see cref="Top"/> from any; one lock, held briefly.</remarks>
internal sealed class FlowTable
{
    public const int MaxFlows = 65536;
    private readonly Dictionary<ulong, Flow> _flows = [];
    private readonly Flow _other = new("other flows");
    private readonly object _gate = new();

    public void Add(in PacketRef packet)
    {
        ulong key = FlowKey.Symmetric5Tuple(packet);
        lock (_gate)
        {
            if (!_flows.TryGetValue(key, out Flow? flow))
            {
                // Named once, from its first packet: decoding is the costly part and a flow's endpoints do not change.
                flow = _flows.Count < MaxFlows ? new Flow(Name(packet)) : _other;
                if (flow != _other) _flows.Add(key, flow);
            }
            flow.Bytes += packet.TotalLength;
            flow.Packets++;
        }
    }

    /// <summary>The <paramref name="count"/> flows with the most bytes, with the bytes each gained since the last call.</summary>
    public IReadOnlyList<FlowRow> Top(int count)
    {
        lock (_gate)
        {
            IEnumerable<Flow> all = _other.Packets > 0 ? _flows.Values.Append(_other) : _flows.Values;
            var rows = all.OrderByDescending(f => f.Bytes).Take(count)
                .Select(f => new FlowRow(f.Name, f.Packets, f.Bytes, f.Bytes - f.BytesAtLastTop)).ToList();
            foreach (Flow f in all) f.BytesAtLastTop = f.Bytes;
            return rows;
        }
    }

    private static string Name(in PacketRef packet)
    {
        PacketSummary s = PacketLine.Summarize(packet.Data, packet.LinkType, packet.TotalLength);
        if (s.Source is null) return s.Protocol ?? "non-IP";
        string a = s.SourcePort is int sp ? $"{s.Source}:{sp}" : s.Source, b = s.DestinationPort is int dp ? $"{s.Destination}:{dp}" : s.Destination!;
        return $"{s.Protocol} {a} <> {b}";
    }

    private sealed class Flow(string name)
    {
        public string Name { get; } = name;
        public long Bytes { get; set; }
        public long Packets { get; set; }
        public long BytesAtLastTop { get; set; }
    }
}

/// <summary>One flow in the top list: its name, totals and the bytes of the last interval.</summary>
internal sealed record FlowRow(string Name, long Packets, long Bytes, long BytesInInterval);
