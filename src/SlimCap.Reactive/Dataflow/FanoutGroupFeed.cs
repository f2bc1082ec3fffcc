using System.Runtime.Versioning;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>
/// Feeds each member of a <see cref="FanoutGroupSource"/> to its own Dataflow target: member i's blocks go to target i,
/// on member i's capture thread, with nothing hashed in user space (the kernel already chose each packet's member).
/// Made by <see cref="FanoutGroupDataflow.LinkTo"/>.
/// </summary>
/// <remarks>
/// <para>Each member runs through a one-target <see cref="PacketBroadcaster"/>: a bounded buffer of
/// <see cref="FanOutOptions.BoundedCapacity"/> blocks in front of its target and the back-pressure policy you chose,
/// with the same counters. Under <see cref="BackPressurePolicy.Wait"/> a slow target stalls only its own member, whose
/// ring then fills and whose kernel drops are its own (<see cref="FanoutGroupSource.GetMemberStats"/>); set
/// <see cref="FanoutGroupOptions.RolloverWhenFull"/> to have the kernel move such packets to members with room instead.</para>
/// <para>Ownership of the blocks as on <see cref="PacketFanOut"/>: each target owns and disposes what it receives.</para>
/// <para>Thread safety: every member is safe from any thread.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class FanoutGroupFeed : IDisposable
{
    private readonly PacketBroadcaster[] _feeds;
    private readonly CancellationTokenSource _stopping;

    internal FanoutGroupFeed(FanoutGroupSource group, IReadOnlyList<ITargetBlock<PacketBlock>> targets, FanOutOptions? options, CancellationToken cancellationToken)
    {
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _feeds = new PacketBroadcaster[targets.Count];
        var captures = new Task[targets.Count];
        for (int i = 0; i < _feeds.Length; i++) _feeds[i] = new PacketBroadcaster([targets[i]], options);
        int started = 0;
        try
        {
            for (; started < _feeds.Length; started++)
            {
                int member = started;
                captures[member] = _feeds[member].RunOnThread(group.Members[member], start => group.CreateMemberThread(member, start), _stopping.Token);
                // One member's failure ends the others: a group captures as a whole.
                captures[member].ContinueWith(static (t, s) => ((CancellationTokenSource)s!).Cancel(), _stopping,
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        catch
        {
            // A member already read by another stream: stop the ones started, complete every target.
            _stopping.Cancel();
            for (int i = started; i < _feeds.Length; i++) _feeds[i].Complete();
            throw;
        }
        Capture = Task.WhenAll(captures);
        // The linked source holds a registration on the caller's token: release it once no pump can use it.
        Capture.ContinueWith(static (_, s) => ((CancellationTokenSource)s!).Dispose(), _stopping, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Completion = Task.WhenAll(Array.ConvertAll(_feeds, f => f.Completion));
    }

    /// <summary>
    /// Completes when every member's capture has ended: the group was closed, <see cref="Dispose"/> or the token stopped
    /// it (then cancelled), or a member failed (then faulted with its typed exception, after the others were stopped).
    /// </summary>
    public Task Capture { get; }

    /// <summary>Completes when every target has completed after its member's capture ended; faults as <see cref="PacketFanOut.Completion"/> does.</summary>
    public Task Completion { get; }

    /// <summary>The number of members (and targets).</summary>
    public int MemberCount => _feeds.Length;

    /// <summary>What was delivered to and dropped for target <paramref name="member"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="member"/> is not a member index.</exception>
    public FanOutTargetCounters GetCounters(int member)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(member);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(member, _feeds.Length);
        return _feeds[member].GetCounters(0);
    }

    /// <summary>Stops every member's capture at once and disposes what is still buffered (counted as dropped); the targets complete after what they hold. Idempotent.</summary>
    public void Dispose()
    {
        try
        {
            _stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        foreach (PacketBroadcaster feed in _feeds) feed.Dispose();
    }
}
