// SharpPcap's file reader, the way a .NET user reads a capture file today, cheapest form:
// CaptureFileReaderDevice.GetNextPacket(out PacketCapture) and its Data span (no RawCapture copy).
// Touches each record's captured length and first byte. Usage: SharpPcapRead FILE [PASSES=5]
using System.Diagnostics;
using System.Globalization;
using SharpPcap;
using SharpPcap.LibPcap;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string path = args[0];
int passes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var ns = new List<double>();
long n = 0;
for (int p = 0; p < passes; p++)
{
    long alloc0 = GC.GetTotalAllocatedBytes(true);
    TimeSpan c0 = Environment.CpuUsage.TotalTime;
    var sw = Stopwatch.StartNew();
    using var dev = new CaptureFileReaderDevice(path);
    dev.Open();
    long bytes = 0, touch = 0;
    n = 0;
    while (dev.GetNextPacket(out PacketCapture e) == GetPacketStatus.PacketRead)
    {
        ReadOnlySpan<byte> data = e.Data;
        n++;
        bytes += data.Length;
        touch += data[0];
    }
    dev.Close();
    double cpu = (Environment.CpuUsage.TotalTime - c0).TotalSeconds, wall = sw.Elapsed.TotalSeconds;
    long alloc = GC.GetTotalAllocatedBytes(true) - alloc0;
    ns.Add(cpu * 1e9 / n);
    Console.WriteLine($"pass {p + 1} records={n} bytes={bytes} touch={touch} cpu_s={cpu:F3} wall_s={wall:F3} cpu_ns_per_record={cpu * 1e9 / n:F2} records_per_s={n / wall:F0} alloc_bytes_per_record={(double)alloc / n:F4}");
}
ns.Sort();
Console.WriteLine($"sharppcap-file records={n} passes={passes} cpu_ns_per_record_min={ns[0]:F2} cpu_ns_per_record_median={ns[passes / 2]:F2}");
