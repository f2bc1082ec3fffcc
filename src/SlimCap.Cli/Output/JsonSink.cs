using System.Text.Json;
using SlimCap.Reactive;
using SlimCap.Reactive.Packets;
using SlimCap.Shared;

namespace SlimCap.Cli.Output;

/// <summary>One JSON object per packet and line (JSON Lines), for jq and scripts.</summary>
internal sealed class JsonSink : IPacketSink
{
    private readonly Stream _output;
    private readonly Utf8JsonWriter _json;

    public JsonSink(Stream output)
    {
        _output = output;
        _json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    public void Write(in PacketRef packet)
    {
        PacketSummary summary = PacketLine.Summarize(packet.Data, packet.LinkType, packet.TotalLength);
        _json.Reset();
        _json.WriteStartObject();
        _json.WriteString("time", packet.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", System.Globalization.CultureInfo.InvariantCulture));
        _json.WriteNumber("timestampNs", packet.TimestampNanoseconds);
        if (packet.InterfaceIndex > 0) _json.WriteNumber("interfaceIndex", packet.InterfaceIndex);
        string direction = PacketText.Direction(packet.Type);
        if (direction.Length > 0) _json.WriteString("direction", direction);
        _json.WriteString("linkType", LinkTypeInfo.Name(packet.LinkType));
        _json.WriteNumber("length", packet.TotalLength);
        _json.WriteNumber("captured", packet.CapturedLength);
        if (packet.HasVlan) _json.WriteNumber("vlan", packet.VlanId);
        if (packet.FanoutMember >= 0) _json.WriteNumber("fanoutMember", packet.FanoutMember);
        if (summary.Protocol is not null) _json.WriteString("protocol", summary.Protocol);
        if (summary.Source is not null) _json.WriteString("source", summary.Source);
        if (summary.Destination is not null) _json.WriteString("destination", summary.Destination);
        if (summary.SourcePort is int sp) _json.WriteNumber("sourcePort", sp);
        if (summary.DestinationPort is int dp) _json.WriteNumber("destinationPort", dp);
        _json.WriteString("summary", summary.Text);
        _json.WriteEndObject();
        _json.Flush();
        _output.WriteByte((byte)'\n');
    }

    public void Idle(DateTimeOffset now) => _output.Flush();

    public void Complete()
    {
        _json.Flush();
        _output.Flush();
    }
}
