using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Output;

/// <summary>Several sinks as one (a file and printed lines, say), each given every packet in turn.</summary>
internal sealed class TeeSink(IReadOnlyList<IPacketSink> sinks) : IPacketSink
{
    public void Write(in PacketRef packet)
    {
        foreach (IPacketSink sink in sinks) sink.Write(packet);
    }

    public void Idle(DateTimeOffset now)
    {
        foreach (IPacketSink sink in sinks) sink.Idle(now);
    }

    public void Complete()
    {
        // Every sink completes even when one fails, so a printing error cannot leave a file unfinished.
        List<Exception>? errors = null;
        foreach (IPacketSink sink in sinks)
        {
            try
            {
                sink.Complete();
            }
            catch (Exception e)
            {
                (errors ??= []).Add(e);
            }
        }
        if (errors is [Exception only]) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(only);
        if (errors is not null) throw new AggregateException(errors);
    }
}
