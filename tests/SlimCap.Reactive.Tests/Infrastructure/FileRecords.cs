using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Helpers that read whole files into lists and write them back.</summary>
internal static class FileRecords
{
    /// <summary>Reads every record until the end or the first error (which is returned, not thrown).</summary>
    public static (List<FileRecordCopy> Records, Exception? Error) Read(Func<CaptureFileSource> open)
    {
        var records = new List<FileRecordCopy>();
        try
        {
            using CaptureFileSource source = open();
            while (source.NextPacketRef(out PacketRef p) == CaptureStatus.Packet)
                records.Add(new FileRecordCopy(p.TimestampNanoseconds, p.TimestampCarrySeconds, p.CapturedLength, p.TotalLength, p.LinkType, p.Type, p.Data.ToArray()));
        }
        catch (CaptureFileException e)
        {
            return (records, e);
        }
        return (records, null);
    }

    public static (List<FileRecordCopy> Records, Exception? Error) Read(byte[] file) =>
        Read(() => CaptureFileSource.Open(new MemoryStream(file, writable: false), "memory"));

    /// <summary>
    /// Reads <paramref name="open"/>'s file and writes every block through the writer's observer face
    /// (which disposes each block). Returns the file written, and the error that stopped the read or the write.
    /// </summary>
    public static (byte[] File, Exception? Error) Convert(Func<CaptureFileSource> open, CaptureFileFormat format, CaptureFileWriterOptions? options = null)
    {
        var output = new MemoryStream();
        Exception? error = null;
        using (CaptureFileWriter writer = CaptureFileWriter.Create(output, format, "memory", leaveOpen: true, options))
        {
            try
            {
                using CaptureFileSource source = open();
                while (source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet) writer.OnNext(block!);
            }
            catch (CaptureFileException e)
            {
                error = e;
            }
        }
        return (output.ToArray(), error);
    }

    public static (byte[] File, Exception? Error) Convert(byte[] file, CaptureFileFormat format) =>
        Convert(() => CaptureFileSource.Open(new MemoryStream(file, writable: false), "memory"), format);

    /// <summary>The records in the corpus manifests' encoding (what tcpdump -w writes after its file header).</summary>
    public static byte[] ManifestEncoding(IEnumerable<FileRecordCopy> records)
    {
        var output = new MemoryStream();
        Span<byte> header = stackalloc byte[16];
        foreach (FileRecordCopy r in records)
        {
            ulong ns = (ulong)r.Ns;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(ns / 1_000_000_000UL - r.Carry));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(ns % 1_000_000_000UL + r.Carry * 1_000_000_000UL));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)r.CapturedLength);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)r.TotalLength);
            output.Write(header);
            output.Write(r.Data);
        }
        return output.ToArray();
    }
}
