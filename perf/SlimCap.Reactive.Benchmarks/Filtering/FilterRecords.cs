using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Benchmarks.Filtering;

/// <summary>
/// The records of the 253 Ethernet files of tests/data/filters/files.tsv (3,570 records, 2 MB) as libpcap presents
/// them, <see cref="Copies"/> times over in one buffer: data bytes back to back, captured and wire lengths apart,
/// the layout of perf/baseline/pcapfilter.c, which loads the same files with libpcap.
/// </summary>
public sealed class FilterRecords
{
    /// <summary>Records per copy of the corpus.</summary>
    public const int CorpusRecords = 3570;

    /// <summary>
    /// Filter calls per benchmark invocation, in copies of the corpus: a set of 1 copy is filtered 64 times, a set of
    /// 64 copies once (SET_COPIES in pcapfilter.c).
    /// </summary>
    public const int SetCopies = 64;

    /// <summary>Filter calls per benchmark invocation.</summary>
    public const int CallsPerInvoke = CorpusRecords * SetCopies;

    private static readonly Dictionary<int, FilterRecords> Loaded = [];

    private FilterRecords(int copies, byte[] data, int[] offsets, int[] lengths, uint[] wireLengths)
    {
        Copies = copies;
        Data = data;
        Offsets = offsets;
        Lengths = lengths;
        WireLengths = wireLengths;
    }

    /// <summary>How many copies of the corpus the buffer holds.</summary>
    public int Copies { get; }

    /// <summary>Every record's captured bytes, back to back.</summary>
    public byte[] Data { get; }

    /// <summary>Where each record starts in <see cref="Data"/>.</summary>
    public int[] Offsets { get; }

    /// <summary>Each record's captured length.</summary>
    public int[] Lengths { get; }

    /// <summary>Each record's length on the wire (what <c>len</c> loads).</summary>
    public uint[] WireLengths { get; }

    /// <summary>Number of records (<see cref="CorpusRecords"/> × <see cref="Copies"/>).</summary>
    public int Count => Offsets.Length;

    /// <summary>The corpus <paramref name="copies"/> times over (kept for the process: every benchmark case shares it).</summary>
    public static FilterRecords Get(int copies)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(copies, out FilterRecords? records)) Loaded[copies] = records = Load(copies);
            return records;
        }
    }

    private static FilterRecords Load(int copies)
    {
        if (copies < 1 || SetCopies % copies != 0) throw new ArgumentOutOfRangeException(nameof(copies), copies, $"must divide {SetCopies}");
        var one = new List<byte[]>(CorpusRecords);
        var wire = new List<uint>(CorpusRecords);
        foreach (string file in FilterData.Files())
        {
            using CaptureFileSource source = CaptureFileSource.Open(file);
            while (source.NextPacketRef(out PacketRef p) == CaptureStatus.Packet)
            {
                one.Add(p.Data.ToArray());
                wire.Add((uint)p.TotalLength);
            }
        }
        if (one.Count != CorpusRecords) throw new InvalidOperationException($"read {one.Count} records, files.tsv lists {CorpusRecords}");
        int n = one.Count * copies;
        long bytes = (long)one.Sum(r => r.Length) * copies;
        var data = new byte[bytes];
        int[] offsets = new int[n], lengths = new int[n];
        uint[] wireLengths = new uint[n];
        int at = 0;
        for (int i = 0; i < n; i++)
        {
            byte[] r = one[i % one.Count];
            r.CopyTo(data, at);
            offsets[i] = at;
            lengths[i] = r.Length;
            wireLengths[i] = wire[i % one.Count];
            at += r.Length;
        }
        return new FilterRecords(copies, data, offsets, lengths, wireLengths);
    }
}
