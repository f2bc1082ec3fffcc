using System.CommandLine;
using System.Globalization;
using System.Net.NetworkInformation;
using System.Text.Json;
using SlimCap.Cli.Output;
using SlimCap.Reactive;
using SlimCap.Reactive.Links;
using Spectre.Console;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Commands;

/// <summary><c>slimcap list</c>: the interfaces of this network namespace, as a table or as JSON.</summary>
internal static class ListCommand
{
    private const int IffPromisc = 0x100;

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "One JSON array instead of a table." };
        var command = new Command("list", "List the network interfaces: name, index, state, link type, MTU, MAC, IP-layer offset, VLAN, promiscuity.") { json };
        command.SetAction(parse => Run(parse.GetValue(json), Console.Out));
        return command;
    }

    public static int Run(bool json, TextWriter output)
    {
        IReadOnlyList<LinkInfo> links = NetworkLinks.List();
        if (json) WriteJson(links, output);
        else WriteTable(links, output);
        return 0;
    }

    private static void WriteTable(IReadOnlyList<LinkInfo> links, TextWriter output)
    {
        var table = new Table().Border(Terminal.StdoutIsTerminal ? TableBorder.Rounded : TableBorder.Ascii);
        foreach (string column in new[] { "name", "index", "state", "link type", "mtu", "mac", "ip offset", "vlan", "promisc" })
            table.AddColumn(column);
        foreach (LinkInfo link in links)
        {
            table.AddRow(Markup.Escape(link.Name), Number(link.Index), State(link), LinkTypeInfo.Name(link.LinkType), Number(link.Mtu),
                Mac(link.HardwareAddress), link.IpLayerOffset < 0 ? "unknown" : Number(link.IpLayerOffset),
                link.IsVlan ? "yes" : "no", IsPromiscuous(link) ? "yes" : "no");
        }
        Terminal.Create(output, Terminal.StdoutIsTerminal).Write(table);
    }

    private static void WriteJson(IReadOnlyList<LinkInfo> links, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (LinkInfo link in links)
            {
                json.WriteStartObject();
                json.WriteString("name", link.Name);
                json.WriteNumber("index", link.Index);
                json.WriteBoolean("up", link.IsUp);
                json.WriteString("operState", link.OperationalState);
                json.WriteString("hardwareType", link.HardwareType.ToString());
                json.WriteString("linkType", LinkTypeInfo.Name(link.LinkType));
                json.WriteNumber("linkTypeNumber", (ushort)link.LinkType);
                json.WriteNumber("mtu", link.Mtu);
                json.WriteString("mac", Mac(link.HardwareAddress));
                json.WriteNumber("ipLayerOffset", link.IpLayerOffset);
                json.WriteBoolean("vlan", link.IsVlan);
                json.WriteBoolean("promiscuous", IsPromiscuous(link));
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Up or down (IFF_UP), and "no carrier" when it is up but the kernel says the link is down.</summary>
    private static string State(LinkInfo link) => !link.IsUp ? "down" : link.OperationalState == "down" ? "up, no carrier" : "up";

    private static bool IsPromiscuous(LinkInfo link) => (link.Flags & IffPromisc) != 0;

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Mac(PhysicalAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        return bytes.Length == 0 ? "" : string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }
}
