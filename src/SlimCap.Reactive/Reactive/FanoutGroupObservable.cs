using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Runtime.Versioning;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>The Rx surfaces of a <see cref="FanoutGroupSource"/>: the members merged into one block stream, or one member's stream.</summary>
/// <remarks>
/// Ownership, ending and observer faults as on <see cref="CaptureObservable"/>: the observer owns and disposes each
/// block; disposing the subscription stops the captures and returns once their threads released everything (unless
/// called from the observer itself, on a capture thread). The group stays open when a stream ends (the caller owns it);
/// closing the group completes its streams. Each member serves one stream at a time: subscribing while another stream
/// reads a member delivers <c>OnError</c> with an <see cref="InvalidOperationException"/>.
/// </remarks>
[SupportedOSPlatform("linux")]
public static class FanoutGroupObservable
{
    /// <summary>
    /// Every member's blocks in one cold stream, one capture thread per member (pinned where the group was given CPUs).
    /// Notifications are serialized (one at a time, from whichever member's thread has a block; a member waits while
    /// the observer handles another's block). Order: each member's blocks in ring order; members interleave as their
    /// blocks retire, with no order across them (<see cref="FanoutGroupSource"/>). <see cref="PacketBlock.FanoutMember"/>
    /// says which member a block came from. Completes when the group is closed; a member's failure stops the others and
    /// arrives as <c>OnError</c>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    public static IObservable<PacketBlock> ToObservable(this FanoutGroupSource group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return LeaseObservable.Create<PacketBlock>(observer =>
        {
            if (group.IsDisposed)
            {
                observer.OnCompleted();
                return Disposable.Empty;
            }
            return new FanoutGroupMerge(group, new ObserverSink(observer), serialize: true).Start();
        });
    }

    /// <summary>
    /// Member <paramref name="member"/>'s blocks alone, on the member's own capture thread (pinned where the group was
    /// given CPUs): the member's <see cref="CaptureObservable.ToObservable(CaptureSource, IScheduler)"/>. Run one per
    /// member for partitioned processing without a merge point.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="member"/> is not a member index.</exception>
    public static IObservable<PacketBlock> MemberBlocks(this FanoutGroupSource group, int member)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentOutOfRangeException.ThrowIfNegative(member);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(member, group.MemberCount);
        return group.Members[member].ToObservable(MemberScheduler(group, member));
    }

    /// <summary>A long-running scheduler whose threads are the group's threads for <paramref name="member"/> (named, background, pinned).</summary>
    internal static IScheduler MemberScheduler(FanoutGroupSource group, int member) =>
        new NewThreadScheduler(start => group.CreateMemberThread(member, start));

    private sealed class ObserverSink(IObserver<PacketBlock> observer) : IFanoutMergeSink
    {
        public void OnBlock(PacketBlock block) => observer.OnNext(block);

        public void OnError(Exception error) => observer.OnError(error);

        public void OnCompleted() => observer.OnCompleted();
    }
}
