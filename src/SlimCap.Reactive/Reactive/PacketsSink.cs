using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Flattens blocks into packets: forwards each visible packet of a block, then disposes the block. The sink owns every
/// block it receives from start to end, so a throwing observer, a disposal or an error never strands a lease.
/// </summary>
internal sealed class PacketsSink(IObserver<PacketRef> downstream) : BlockSink
{
    private volatile bool _stopped; // disposed or terminated: skip the rest of the current block
    private bool _done;

    public override void OnNext(PacketBlock value)
    {
        try
        {
            if (_stopped) return;
            // Scoped: reading the next packet ends the previous one's validity, so a PacketRef kept past its OnNext
            // (behind Buffer, ObserveOn, a list) throws every time instead of only after its block went back.
            int generation = value.CurrentGeneration, cursor = 0, index = 0;
            while (!_stopped && value.TryReadNextScoped(ref generation, ref cursor, ref index, out PacketRef packet))
            {
                downstream.OnNext(packet);
            }
        }
        catch (ObjectDisposedException e) when (!value.IsLeased)
        {
            // Upstream released the block under us: report it rather than reading on.
            OnError(e);
        }
        finally
        {
            value.Dispose();
        }
    }

    public override void OnError(Exception error)
    {
        if (_done) return;
        _done = true;
        _stopped = true;
        downstream.OnError(error);
        DisposeUpstream();
    }

    public override void OnCompleted()
    {
        if (_done) return;
        _done = true;
        _stopped = true;
        downstream.OnCompleted();
        DisposeUpstream();
    }

    public override void Dispose()
    {
        _stopped = true;
        DisposeUpstream();
    }
}
