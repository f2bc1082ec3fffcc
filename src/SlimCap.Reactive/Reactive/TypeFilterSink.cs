namespace SlimCap.Reactive;

/// <summary>Narrows each block to a set of packet types; forwards blocks that still show packets and disposes the others.</summary>
internal sealed class TypeFilterSink(IObserver<PacketBlock> downstream, PacketTypes types) : BlockOperatorSink(downstream)
{
    protected override void OnBlock(PacketBlock block)
    {
        int visible;
        try
        {
            visible = block.RestrictTypes(types);
        }
        catch (Exception e)
        {
            Fail(block, e);
            return;
        }
        if (visible == 0) block.Dispose();
        else Forward(block);
    }
}
