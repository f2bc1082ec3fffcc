using System.Runtime.Versioning;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Dataflow;

/// <summary>The Dataflow surface of a <see cref="FanoutGroupSource"/>: the kernel's partition, one target per member.</summary>
[SupportedOSPlatform("linux")]
public static class FanoutGroupDataflow
{
    /// <summary>
    /// Starts feeding member i of <paramref name="group"/> to <c>targets[i]</c>, each on the member's own capture thread
    /// (pinned where the group was given CPUs), until the group is closed, the feed is disposed or
    /// <paramref name="cancellationToken"/> is cancelled. The kernel's partition replaces a user-space
    /// <see cref="PacketPartitioner"/>: under <see cref="FanoutMode.Hash"/> every flow, both directions, reaches one target.
    /// The group stays open when the feed ends; the caller owns it.
    /// </summary>
    /// <param name="group">The group.</param>
    /// <param name="targets">One target per member, in member order; each owns and disposes the blocks it receives.</param>
    /// <param name="options">Each member's buffering and back-pressure; defaults when null.</param>
    /// <param name="cancellationToken">Stops every member's capture.</param>
    /// <exception cref="ArgumentNullException"><paramref name="group"/> or <paramref name="targets"/> is null.</exception>
    /// <exception cref="ArgumentException">The target count differs from the member count, or a target is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="InvalidOperationException">Another stream already reads a member.</exception>
    public static FanoutGroupFeed LinkTo(this FanoutGroupSource group, IReadOnlyList<ITargetBlock<PacketBlock>> targets,
        FanOutOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count != group.MemberCount)
            throw new ArgumentException($"The group has {group.MemberCount} members, so it needs {group.MemberCount} targets; got {targets.Count}.", nameof(targets));
        for (int i = 0; i < targets.Count; i++)
        {
            if (targets[i] is null) throw new ArgumentException($"Target {i} is null.", nameof(targets));
        }
        return new FanoutGroupFeed(group, targets, options, cancellationToken);
    }
}
