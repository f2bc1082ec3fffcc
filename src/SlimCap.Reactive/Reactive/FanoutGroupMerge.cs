using System.Reactive.Concurrency;
using System.Runtime.Versioning;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>What a <see cref="FanoutGroupMerge"/> feeds: blocks from every member, then one terminal call.</summary>
internal interface IFanoutMergeSink
{
    /// <summary>Takes ownership of a block. Called on the member's capture thread; serialized only when the merge was asked to.</summary>
    void OnBlock(PacketBlock block);

    /// <summary>A member failed; the other members are being stopped. Called once, serialized with the other terminal call.</summary>
    void OnError(Exception error);

    /// <summary>Every member ended (the group was closed). Called once.</summary>
    void OnCompleted();
}

/// <summary>
/// Reads every member of a group on its own capture thread (each a member's <c>ToObservable</c> on the group's member
/// threads) and feeds one sink. A failure of one member stops the others; the sink gets one terminal call.
/// </summary>
/// <remarks>
/// Stopping from a member's own capture thread (a sink that disposes the merge, as <c>Take</c> does) cannot wait for
/// the other members: one of them may be waiting for the gate this thread holds. It asks them to stop and lets a pool
/// thread wait; they end right after their current block, which they dispose unread.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class FanoutGroupMerge : IDisposable
{
    private readonly FanoutGroupSource _group;
    private readonly IFanoutMergeSink _sink;
    private readonly bool _serialize;
    private readonly object _gate = new();
    private readonly IDisposable?[] _subscriptions;
    private int _running;
    private bool _ended;
    private bool _stopped;

    internal FanoutGroupMerge(FanoutGroupSource group, IFanoutMergeSink sink, bool serialize)
    {
        _group = group;
        _sink = sink;
        _serialize = serialize;
        _subscriptions = new IDisposable?[group.MemberCount];
        _running = group.MemberCount;
    }

    /// <summary>Starts one capture thread per member.</summary>
    internal FanoutGroupMerge Start()
    {
        for (int i = 0; i < _subscriptions.Length; i++)
        {
            IDisposable subscription = _group.Members[i].ToObservable(FanoutGroupObservable.MemberScheduler(_group, i)).Subscribe(new Member(this, i));
            bool keep;
            lock (_gate)
            {
                keep = !_stopped;
                if (keep) _subscriptions[i] = subscription;
            }
            if (!keep)
            {
                subscription.Dispose();
                break;
            }
        }
        return this;
    }

    /// <summary>Stops every member; waits for their threads unless called on one of them. Idempotent.</summary>
    public void Dispose()
    {
        IDisposable?[] subscriptions;
        lock (_gate)
        {
            if (_stopped) return;
            _stopped = true;
            _ended = true;
            subscriptions = (IDisposable?[])_subscriptions.Clone();
        }
        if (_group.IsMemberThread)
        {
            foreach (IDisposable? s in subscriptions)
            {
                if (s is not null) ThreadPool.UnsafeQueueUserWorkItem(static s => s.Dispose(), s, preferLocal: false);
            }
            return;
        }
        foreach (IDisposable? s in subscriptions) s?.Dispose();
    }

    private void OnBlock(PacketBlock block)
    {
        if (!_serialize)
        {
            if (Volatile.Read(ref _ended)) block.Dispose();
            else _sink.OnBlock(block);
            return;
        }
        lock (_gate)
        {
            if (_ended)
            {
                block.Dispose();
                return;
            }
            _sink.OnBlock(block);
        }
    }

    private void OnError(Exception error)
    {
        lock (_gate)
        {
            if (_ended) return;
            _ended = true;
            _sink.OnError(error);
        }
        Dispose();
    }

    private void OnCompleted()
    {
        lock (_gate)
        {
            if (_ended || --_running != 0) return;
            _ended = true;
            _sink.OnCompleted();
        }
    }

    private sealed class Member(FanoutGroupMerge merge, int index) : IObserver<PacketBlock>
    {
        public void OnNext(PacketBlock value)
        {
            try
            {
                merge.OnBlock(value);
            }
            catch
            {
                merge.Dispose(); // the member's own loop ends on the rethrow; the others must not capture on
                throw;
            }
        }

        public void OnError(Exception error) => merge.OnError(error);

        public void OnCompleted() => merge.OnCompleted();

        public override string ToString() => $"member {index}";
    }
}
