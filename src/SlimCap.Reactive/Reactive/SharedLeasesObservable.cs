using System.Reactive.Disposables;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// <c>Publish().RefCount()</c> for leases: one subscription to the source shared by every subscriber, each of which
/// receives its own view of every block (<see cref="PacketBlock.CreateView"/>) and disposes it; the block goes back
/// when the last view is disposed. The source is subscribed once <c>minSubscribers</c> subscribers are there and
/// unsubscribed when the last one leaves; a later subscriber (or one after the source ended) connects afresh.
/// </summary>
/// <remarks>
/// Subscribe and unsubscribe race the source's notifications, so the subscriber list is decided under <c>_gate</c>
/// and copied on write; notifications read the current copy without the lock and call no observer under it. A
/// subscriber that unsubscribes while a block is being shared may still receive that block's view: it owns it then.
/// </remarks>
internal sealed class SharedLeasesObservable(IObservable<PacketBlock> source, int minSubscribers) : IObservable<PacketBlock>
{
    private readonly object _gate = new();
    private Connection? _connection; // under _gate: the connection new subscribers join

    public IDisposable Subscribe(IObserver<PacketBlock> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var subscriber = new Subscriber(this, observer);
        Connection connection;
        bool connect;
        lock (_gate)
        {
            connection = _connection ??= new Connection(this);
            connect = connection.Add(subscriber, minSubscribers);
            subscriber.Connection = connection;
        }
        if (connect) connection.Connect(source);
        return subscriber;
    }

    /// <summary>Removes <paramref name="subscriber"/>; the connection ends with its last subscriber.</summary>
    private void Leave(Subscriber subscriber)
    {
        Connection? connection = subscriber.Connection;
        if (connection is null) return;
        bool disconnect;
        lock (_gate)
        {
            disconnect = connection.Remove(subscriber);
            if (disconnect && _connection == connection) _connection = null;
        }
        if (disconnect) connection.Disconnect();
    }

    /// <summary>The source ended: new subscribers start a new connection.</summary>
    private Subscriber[] End(Connection connection)
    {
        lock (_gate)
        {
            if (_connection == connection) _connection = null;
            return connection.TakeAll();
        }
    }

    private sealed class Subscriber(SharedLeasesObservable parent, IObserver<PacketBlock> observer) : IDisposable
    {
        private int _disposed;

        internal IObserver<PacketBlock> Observer => observer;

        internal Connection? Connection { get; set; }

        internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            parent.Leave(this);
        }
    }

    /// <summary>One subscription to the source and the subscribers it feeds.</summary>
    private sealed class Connection(SharedLeasesObservable parent) : IObserver<PacketBlock>
    {
        private readonly SingleAssignmentDisposable _upstream = new();
        private Subscriber[] _subscribers = []; // copied on write under the parent's gate
        private bool _connected, _ended;

        /// <summary>Adds a subscriber (under the gate); true when this one makes the connection connect.</summary>
        internal bool Add(Subscriber subscriber, int minSubscribers)
        {
            Volatile.Write(ref _subscribers, [.. _subscribers, subscriber]);
            if (_connected || _subscribers.Length < minSubscribers) return false;
            _connected = true;
            return true;
        }

        /// <summary>Removes a subscriber (under the gate); true when it was the last of a connected connection.</summary>
        internal bool Remove(Subscriber subscriber)
        {
            Subscriber[] current = _subscribers;
            int at = Array.IndexOf(current, subscriber);
            if (at < 0) return false;
            Volatile.Write(ref _subscribers, [.. current.AsSpan(0, at), .. current.AsSpan(at + 1)]);
            return _subscribers.Length == 0 && _connected && !_ended;
        }

        internal Subscriber[] TakeAll()
        {
            _ended = true;
            Subscriber[] all = _subscribers;
            Volatile.Write(ref _subscribers, []);
            return all;
        }

        internal void Connect(IObservable<PacketBlock> source)
        {
            try
            {
                _upstream.Disposable = source.Subscribe(this);
            }
            catch (Exception e)
            {
                OnError(e); // a misbehaving upstream Subscribe: report it instead of throwing from ours
            }
        }

        internal void Disconnect() => _upstream.Dispose();

        public void OnNext(PacketBlock value)
        {
            try
            {
                foreach (Subscriber s in Volatile.Read(ref _subscribers))
                {
                    if (s.IsDisposed) continue;
                    PacketBlock view;
                    try
                    {
                        view = value.CreateView();
                    }
                    catch (ObjectDisposedException)
                    {
                        return; // the source closed meanwhile: nothing left to share
                    }
                    s.Observer.OnNext(view); // the subscriber owns its view from here, even if it throws
                }
            }
            finally
            {
                value.Dispose(); // this connection's own reference; the views hold theirs
            }
        }

        public void OnError(Exception error)
        {
            foreach (Subscriber s in parent.End(this)) s.Observer.OnError(error);
            _upstream.Dispose();
        }

        public void OnCompleted()
        {
            foreach (Subscriber s in parent.End(this)) s.Observer.OnCompleted();
            _upstream.Dispose();
        }
    }
}
