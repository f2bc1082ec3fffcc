using SlimCap.Cli.Output;
using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Stats;

/// <summary>The stats command's sink: packets and bytes in all and per fan-out member, and the flow table.</summary>
/// <remarks>Thread safety: written by one capture thread; the counters are read from the view's thread.</remarks>
internal sealed class TrafficCounter(int members) : IPacketSink
{
    private readonly long[] _memberPackets = new long[Math.Max(members, 0)];
    private readonly long[] _memberBytes = new long[Math.Max(members, 0)];
    private long _packets;
    private long _bytes;

    public FlowTable Flows { get; } = new();

    public long Packets => Interlocked.Read(ref _packets);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long MemberPackets(int member) => Interlocked.Read(ref _memberPackets[member]);

    public long MemberBytes(int member) => Interlocked.Read(ref _memberBytes[member]);

    public void Write(in PacketRef packet)
    {
        Interlocked.Increment(ref _packets);
        Interlocked.Add(ref _bytes, packet.TotalLength);
        int m = packet.FanoutMember;
        if ((uint)m < (uint)_memberPackets.Length)
        {
            Interlocked.Increment(ref _memberPackets[m]);
            Interlocked.Add(ref _memberBytes[m], packet.TotalLength);
        }
        Flows.Add(packet);
    }

    public void Idle(DateTimeOffset now)
    {
    }

    public void Complete()
    {
    }
}
