using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>Forwards the blocks a caller's predicate accepts and disposes the others (Rx's <c>Where</c> drops them undisposed).</summary>
internal sealed class WhereBlocksSink(IObserver<PacketBlock> downstream, Func<PacketBlock, bool> predicate) : BlockOperatorSink(downstream)
{
    protected override void OnBlock(PacketBlock block)
    {
        bool keep;
        try
        {
            keep = predicate(block);
        }
        catch (Exception e)
        {
            Fail(block, e); // as Rx's Where: the predicate's exception ends the stream through OnError
            return;
        }
        if (keep) Forward(block);
        else block.Dispose();
    }
}
