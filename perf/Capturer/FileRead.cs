using System.Diagnostics;
using System.Globalization;

using SlimCap.Reactive.Files;

namespace SlimCap.Reactive.Capturer;

/// <summary>
/// <c>capture read MODE FILE [PASSES=3]</c>: reads a capture file with <see cref="CaptureFileSource"/>
/// through a mode's surface, PASSES times after one discarded warm-up pass; one line per pass and a
/// summary (CPU ns per record from the first record, records/s of wall time, allocated bytes per record).
/// </summary>
internal static class FileRead
{
    public static int Run(string[] args)
    {
        if (args.Length < 3 || Mode.Create(args[1]) is not Mode mode || mode is SocketMode || mode.Name == "socket")
        {
            Console.Error.WriteLine("usage: capture read MODE FILE [PASSES=3]; modes: callback buffer blocks async operators dataflow");
            return 2;
        }
        string path = args[2];
        int passes = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
        // FILE_READ_BUFFER / FILE_BLOCK_SIZE (bytes): CaptureFileOptions for experiments; the library's defaults otherwise.
        var options = new CaptureFileOptions();
        if (int.TryParse(Environment.GetEnvironmentVariable("FILE_READ_BUFFER"), out int rb)) options = options with { ReadBufferSize = rb };
        if (int.TryParse(Environment.GetEnvironmentVariable("FILE_BLOCK_SIZE"), out int bs)) options = options with { BlockSize = bs };
        bool syncStream = Environment.GetEnvironmentVariable("FILE_SYNC_STREAM") == "1";
        var ns = new List<double>();
        long records = 0;
        for (int pass = 0; pass <= passes; pass++)
        {
            var meter = new Meter();
            var stop = new StopSignal();
            var clock = Stopwatch.StartNew();
            using (CaptureFileSource source = syncStream
                ? CaptureFileSource.Open(new SyncReadStream(path), Path.GetFileName(path), leaveOpen: false, options)
                : CaptureFileSource.Open(path, options))
            {
                mode.Run(source, meter, long.MaxValue, stop);
            }
            double wall = clock.Elapsed.TotalSeconds;
            Meter.Result r = meter.Finish();
            records = r.Packets;
            if (pass == 0) continue; // warm-up
            double perRecord = r.CpuSeconds * 1e9 / r.Packets;
            ns.Add(perRecord);
            Console.Out.WriteLine(FormattableString.Invariant(
                $"pass {pass} records={r.Packets} bytes={r.Bytes} touch={r.Touch} cpu_s={r.CpuSeconds:F3} wall_s={wall:F3} cpu_ns_per_record={perRecord:F2} records_per_s={r.Packets / wall:F0} alloc_bytes_per_record={(double)r.AllocatedBytes / r.Packets:F4}"));
        }
        ns.Sort();
        Console.Out.WriteLine(FormattableString.Invariant(
            $"slimcap-file-{mode.Name} records={records} passes={passes} cpu_ns_per_record_min={ns[0]:F2} cpu_ns_per_record_median={ns[ns.Count / 2]:F2}"));
        return 0;
    }
}
