using SlimCap.Reactive;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

namespace SlimCap.Cli.Output;

/// <summary>The tool's packet line: tcpdump <c>-n</c>'s time and description, with the direction for live captures.</summary>
internal static class PacketText
{
    /// <summary>tcpdump's direction words for Linux captures (In, Out, B, M, P); empty when the source does not know.</summary>
    public static string Direction(PacketType type) => type switch
    {
        PacketType.Host => "In",
        PacketType.Outgoing => "Out",
        PacketType.Broadcast => "B",
        PacketType.Multicast => "M",
        PacketType.OtherHost => "P",
        _ => "",
    };

    public static string Line(in PacketRef packet)
    {
        string direction = Direction(packet.Type);
        string description = PacketLine.Describe(packet.Data, packet.LinkType, packet.TotalLength);
        string time = PacketLine.Time(packet.TimestampNanoseconds);
        return direction.Length == 0 ? $"{time} {description}" : $"{time} {direction} {description}";
    }
}
