using System.Runtime.CompilerServices;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// The per-subscription state of a block operator: receives blocks from upstream, forwards (or disposes) them, and
/// keeps the grammar. Upstream calls are serialized (Rx §4.2), so no lock is needed here.
/// </summary>
/// <remarks>
/// Ownership: each block received is this sink's until it forwards it (then the downstream observer owns it) or
/// disposes it. After a terminal message, blocks still arriving are disposed. After disposal, blocks still arriving are
/// forwarded: the downstream observer owns them and never loses one.
/// </remarks>
internal abstract class BlockOperatorSink : BlockSink
{
    private bool _done;

    protected BlockOperatorSink(IObserver<PacketBlock> downstream) => Downstream = downstream;

    protected IObserver<PacketBlock> Downstream { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public sealed override void OnNext(PacketBlock value)
    {
        if (_done)
        {
            value.Dispose();
            return;
        }
        OnBlock(value);
    }

    /// <summary>Handles one block the sink owns: forward it with <see cref="Forward"/> or dispose it.</summary>
    protected abstract void OnBlock(PacketBlock block);

    public override void OnError(Exception error) => ForwardError(error);

    public override void OnCompleted() => ForwardCompleted();

    protected void Forward(PacketBlock block) => Downstream.OnNext(block);

    /// <summary>Disposes <paramref name="block"/>, reports <paramref name="error"/> downstream and detaches from upstream.</summary>
    protected void Fail(PacketBlock block, Exception error)
    {
        block.Dispose();
        ForwardError(error);
    }

    protected void ForwardError(Exception error)
    {
        if (_done) return;
        _done = true;
        Downstream.OnError(error);
        DisposeUpstream();
    }

    protected void ForwardCompleted()
    {
        if (_done) return;
        _done = true;
        Downstream.OnCompleted();
        DisposeUpstream();
    }
}
