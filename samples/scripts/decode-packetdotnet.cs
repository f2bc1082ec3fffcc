#:project ../../src/SlimCap.Reactive/SlimCap.Reactive.csproj
#:package PacketDotNet@1.4.8
// Decoding captured packets with PacketDotNet, as a .NET 10 file-based app:
//   dotnet run samples/scripts/decode-packetdotnet.cs -- trace.pcapng [count]
// SlimCap.Reactive's LinkType values are the pcap LINKTYPE_* numbers, and so are PacketDotNet's LinkLayers for every
// link type both know: Null 0, Ethernet 1, Ppp 9, Raw 101, Ieee80211 105, Loop 108, LinuxSll 113,
// Ieee80211Radiotap 127 (PacketDotNet: Ieee80211RadioTap), Ipv4 228, Ipv6 229, LinuxSll2 276. ToLinkLayers maps by
// number and refuses what PacketDotNet has no decoder for (LinkType.Unknown, vendor types) instead of guessing.
using PacketDotNet;
using SlimCap.Reactive;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

string path = args.Length > 0 ? args[0] : throw new ArgumentException("usage: decode-packetdotnet.cs FILE [COUNT]");
int count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;

using CaptureFileSource file = CaptureFileSource.Open(path);
int shown = 0;
await foreach (PacketRef p in file.ReadAllAsync())
{
    if (shown++ == count) break;
    // PacketDotNet keeps the array it parses, so it gets a copy (the PacketRef's bytes go back with its block).
    string text = ToLinkLayers(p.LinkType) is LinkLayers layers
        ? Describe(Packet.ParsePacket(layers, p.Data.ToArray()))
        : $"no PacketDotNet decoder for link type {(int)p.LinkType}";
    Console.WriteLine($"{p.Timestamp:HH:mm:ss.ffffff} if{p.InterfaceIndex} {p.TotalLength,5} bytes  {text}");
}

// The documented mapping: the same number, when PacketDotNet defines it and SlimCap.Reactive knows the link type.
static LinkLayers? ToLinkLayers(LinkType linkType) =>
    linkType != LinkType.Unknown && Enum.IsDefined((LinkLayers)(int)linkType) ? (LinkLayers)(int)linkType : null;

static string Describe(Packet packet)
{
    string layers = "";
    for (Packet? layer = packet; layer is not null; layer = layer.PayloadPacket) layers += (layers.Length == 0 ? "" : " / ") + layer.GetType().Name.Replace("Packet", "");
    return packet.Extract<IPPacket>() is IPPacket ip ? $"{layers}  {ip.SourceAddress} > {ip.DestinationAddress}" : layers;
}
