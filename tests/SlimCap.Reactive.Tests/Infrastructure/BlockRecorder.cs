using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// An observer of blocks that records the packet indices it sees (reading each packet's bytes), disposes each
/// block, and signals the end of the stream.
/// </summary>
internal sealed class BlockRecorder : IObserver<PacketBlock>
{
    private readonly List<long> _indices = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _blocks;

    internal List<long> Indices
    {
        get { lock (_indices) return new List<long>(_indices); }
    }

    internal int Blocks => Volatile.Read(ref _blocks);

    internal Exception? Error { get; private set; }

    internal bool Completed { get; private set; }

    /// <summary>Completes on OnError or OnCompleted.</summary>
    internal Task Done => _done.Task;

    /// <summary>Signalled every time a block arrives.</summary>
    internal SemaphoreSlim Arrived { get; } = new(0);

    public void OnNext(PacketBlock value)
    {
        lock (_indices)
        {
            foreach (PacketRef p in value) _indices.Add(TestTraffic.IndexOf(p));
        }
        value.Dispose();
        Interlocked.Increment(ref _blocks);
        Arrived.Release();
    }

    public void OnError(Exception error)
    {
        Error = error;
        _done.TrySetResult();
    }

    public void OnCompleted()
    {
        Completed = true;
        _done.TrySetResult();
    }

    internal async Task WaitDoneAsync() => await Done.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
}
