using SlimCap.Reactive;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Output;

/// <summary>One capture file (or stdout for <c>-</c>): pcapng when the name ends in <c>.pcapng</c>, else nanosecond pcap.</summary>
internal sealed class FileSink(CaptureFileWriter writer) : IPacketSink
{
    public static FileSink Create(string path, CaptureFileWriterOptions options) => new(CaptureFileWriter.Create(path, options));

    public long Records => writer.RecordsWritten;

    public void Write(in PacketRef packet) => writer.Write(packet);

    public void Idle(DateTimeOffset now) => writer.Flush();

    public void Complete() => writer.Dispose();
}
