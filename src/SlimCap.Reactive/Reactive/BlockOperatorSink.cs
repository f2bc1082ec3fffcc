using System.Runtime.CompilerServices;
using System.Reactive.Disposables;
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
internal abstract class BlockOperatorSink : IObserver<PacketBlock>, IDisposable
{
    private readonly SingleAssignmentDisposable _upstream = new();
    private bool _done;

    protected BlockOperatorSink(IObserver<PacketBlock> downstream) => Downstream = downstream;

    protected IObserver<PacketBlock> Downstream { get; }

    /// <summary>Subscribes to <paramref name="source"/> and returns this sink as the subscription.</summary>
    internal IDisposable Run(IObservable<PacketBlock> source)
    {
        try
        {
            _upstream.Disposable = source.Subscribe(this);
        }
        catch (Exception e)
        {
            OnError(e); // a misbehaving upstream Subscribe: report it instead of throwing from ours
        }
        return this;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void OnNext(PacketBlock value)
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

    public virtual void OnError(Exception error) => ForwardError(error);

    public virtual void OnCompleted() => ForwardCompleted();

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
        _upstream.Dispose();
    }

    protected void ForwardCompleted()
    {
        if (_done) return;
        _done = true;
        Downstream.OnCompleted();
        _upstream.Dispose();
    }

    public virtual void Dispose() => _upstream.Dispose();
}
