using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SlimCap.Cli.Stats;

/// <summary>The three ways a <see cref="StatsSample"/> is shown: a Spectre table, plain lines, JSON lines.</summary>
internal static class StatsViews
{
    public static IRenderable Table(StatsSample sample)
    {
        var rates = new Table().Border(TableBorder.Rounded).Title($"slimcap stats  {sample.Time.UtcDateTime:HH:mm:ss}Z");
        foreach (string c in new[] { "interface", "packets/s", "bytes/s", "packets", "bytes", "kernel drops", "queue freezes" }) rates.AddColumn(new TableColumn(c).RightAligned());
        foreach (StatsRow r in sample.Rows)
        {
            rates.AddRow(Markup.Escape(r.Name), Rate(r.PacketsPerSecond), Rate(r.BytesPerSecond), Whole(r.Packets), Whole(r.Bytes),
                r.Drops > 0 ? $"[red]{Whole(r.Drops)}[/]" : Whole(r.Drops), Whole(r.QueueFreezes));
        }
        var flows = new Table().Border(TableBorder.Rounded).Title("top flows by bytes");
        foreach (string c in new[] { "flow", "packets", "bytes", "bytes/interval" }) flows.AddColumn(c);
        foreach (FlowRow f in sample.TopFlows) flows.AddRow(Markup.Escape(f.Name), Whole(f.Packets), Whole(f.Bytes), Whole(f.BytesInInterval));
        return new Rows(rates, flows);
    }

    /// <summary>One line per interface (and member): <c>TIME NAME packets/s=… bytes/s=… packets=… bytes=… drops=… freezes=…</c>.</summary>
    public static IEnumerable<string> Lines(StatsSample sample) => sample.Rows.Select(r => string.Create(CultureInfo.InvariantCulture,
        $"{sample.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ss}Z {r.Name} packets/s={r.PacketsPerSecond:0} bytes/s={r.BytesPerSecond:0} packets={r.Packets} bytes={r.Bytes} drops={r.Drops} freezes={r.QueueFreezes}"));

    /// <summary>The sample as one JSON object on one line.</summary>
    public static string Json(StatsSample sample)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("time", sample.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            json.WriteStartArray("interfaces");
            foreach (StatsRow r in sample.Rows)
            {
                json.WriteStartObject();
                json.WriteString("name", r.Name);
                json.WriteNumber("packetsPerSecond", Math.Round(r.PacketsPerSecond, 1));
                json.WriteNumber("bytesPerSecond", Math.Round(r.BytesPerSecond, 1));
                json.WriteNumber("packets", r.Packets);
                json.WriteNumber("bytes", r.Bytes);
                json.WriteNumber("drops", r.Drops);
                json.WriteNumber("queueFreezes", r.QueueFreezes);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("topFlows");
            foreach (FlowRow f in sample.TopFlows)
            {
                json.WriteStartObject();
                json.WriteString("flow", f.Name);
                json.WriteNumber("packets", f.Packets);
                json.WriteNumber("bytes", f.Bytes);
                json.WriteNumber("bytesInInterval", f.BytesInInterval);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Rate(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Whole(long value) => value.ToString(CultureInfo.InvariantCulture);
}
