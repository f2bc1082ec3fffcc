using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Output;

/// <summary>A sink that keeps nothing: the pump's own count is the output (<c>read --count</c>).</summary>
internal sealed class CountSink : IPacketSink
{
    public void Write(in PacketRef packet)
    {
    }

    public void Idle(DateTimeOffset now)
    {
    }

    public void Complete()
    {
    }
}
