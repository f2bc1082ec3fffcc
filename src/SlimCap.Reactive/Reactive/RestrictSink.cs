using System.Runtime.CompilerServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// Narrows each block's view with a selector that lives as long as the subscription (so counting and seeded
/// selectors continue across blocks), forwards blocks that still show packets and disposes the others.
/// </summary>
internal sealed class RestrictSink<TSelector>(IObserver<PacketBlock> downstream, TSelector selector) : BlockOperatorSink(downstream)
    where TSelector : struct, IPacketSelector
{
    private TSelector _selector = selector; // mutable struct: never readonly

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void OnBlock(PacketBlock block)
    {
        int visible;
        try
        {
            visible = block.Restrict(ref _selector);
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
