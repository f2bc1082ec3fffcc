using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>Copies the packets of a source into a capture-file writer: the core of an <c>editcap</c>-style conversion.</summary>
/// <remarks>Thread safety: stateless; each call owns the source and writer it is given for its duration.</remarks>
public static class CaptureFileConverter
{
    /// <summary>
    /// Writes every packet <paramref name="source"/> yields to <paramref name="writer"/> until the source
    /// ends, then completes the writer. When reading or writing fails, the writer is still completed, so
    /// the output holds every record before the failure, and the error is rethrown.
    /// </summary>
    /// <returns>The number of records written.</returns>
    /// <exception cref="CaptureFileException">The input is damaged (after its earlier records were written), or a
    /// packet cannot go into the output (a second link type in a pcap file).</exception>
    public static long Copy(CaptureSource source, CaptureFileWriter writer)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(writer);
        try
        {
            while (true)
            {
                CaptureStatus status = source.NextBlock(out PacketBlock? block);
                if (status == CaptureStatus.Stopped) break;
                if (status != CaptureStatus.Packet) continue;
                writer.OnNext(block!);
            }
        }
        finally
        {
            writer.Complete();
        }
        return writer.RecordsWritten;
    }
}
