using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Output;

/// <summary>One line per packet, as tcpdump <c>-n</c> prints it.</summary>
internal sealed class PrintSink(TextWriter output) : IPacketSink
{
    public void Write(in PacketRef packet) => output.WriteLine(PacketText.Line(packet));

    public void Idle(DateTimeOffset now) => output.Flush();

    public void Complete() => output.Flush();
}
