using System.Buffers.Binary;
using System.Security.Cryptography;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// What a reader yields for one file, in the corpus manifests' encoding: each record as a 16-byte
/// little-endian header (ts_sec, ts_nsec, caplen, len, each cut to 32 bits) followed by its data.
/// </summary>
internal sealed record RecordDigest(int Records, string Md5, Exception? Error, IReadOnlyList<int> LinkTypes, int? SourceLinkType)
{
    /// <summary>The manifest's run-length form of <see cref="LinkTypes"/>: "1x3,0x1", or "-" when empty.</summary>
    public string LinkTypeRuns
    {
        get
        {
            if (LinkTypes.Count == 0) return "-";
            var runs = new List<string>();
            int start = 0;
            for (int i = 1; i <= LinkTypes.Count; i++)
            {
                if (i == LinkTypes.Count || LinkTypes[i] != LinkTypes[start])
                {
                    runs.Add($"{LinkTypes[start]}x{i - start}");
                    start = i;
                }
            }
            return string.Join(",", runs);
        }
    }

    /// <summary>Reads <paramref name="path"/> to its end or first error through <see cref="CaptureSource.NextPacketRef"/>.</summary>
    public static RecordDigest Of(string path, CaptureFileOptions? options = null) => Of(() => CaptureFileSource.Open(path, options));

    /// <summary>Reads the source <paramref name="open"/> gives to its end or first error.</summary>
    public static RecordDigest Of(Func<CaptureFileSource> open)
    {
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var linkTypes = new List<int>();
        int records = 0;
        int? sourceLinkType = null;
        Exception? error = null;
        try
        {
            using CaptureFileSource source = open();
            sourceLinkType = (int)source.LinkType;
            while (source.NextPacketRef(out PacketRef p) == CaptureStatus.Packet)
            {
                AppendRecord(md5, p);
                linkTypes.Add((int)p.LinkType);
                records++;
            }
        }
        catch (Exception e)
        {
            error = e;
        }
        return new RecordDigest(records, Convert.ToHexStringLower(md5.GetHashAndReset()), error, linkTypes, sourceLinkType);
    }

    /// <summary>Appends one record in the manifest encoding.</summary>
    public static void AppendRecord(IncrementalHash hash, in PacketRef p)
    {
        Span<byte> header = stackalloc byte[16];
        WriteHeader(header, p);
        hash.AppendData(header);
        hash.AppendData(p.Data);
    }

    /// <summary>The 16-byte manifest header of <paramref name="p"/>: the stored seconds and fraction, cut to 32 bits.</summary>
    public static void WriteHeader(Span<byte> header, in PacketRef p)
    {
        ulong ns = (ulong)p.TimestampNanoseconds;
        ulong carry = p.TimestampCarrySeconds;
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(ns / 1_000_000_000UL - carry));
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(ns % 1_000_000_000UL + carry * 1_000_000_000UL));
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)p.CapturedLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)p.TotalLength);
    }
}
