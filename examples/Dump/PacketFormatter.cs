using SlimCap.Reactive;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

namespace Dump;

/// <summary>One line per packet: type, lengths, and what PacketDotNet decodes (tcpdump -n style, src/Shared/PacketLine.cs).</summary>
internal static class PacketFormatter
{
    public static string Describe(ReadOnlySpan<byte> payload, long totalLength, PacketType type, LinkType linkType) =>
        $"{type,-9} len {payload.Length,5}/{totalLength,-5} {PacketLine.Describe(payload, linkType, totalLength)}";
}
