
namespace SlimCap.Reactive.Capture;

/// <summary>
/// The group already has as many members as its limit allows (the kernel's ENOSPC on PACKET_FANOUT): 256 unless the
/// group was created with a larger <see cref="FanoutGroupOptions.MaxMembers"/>.
/// </summary>
public sealed class FanoutGroupFullException : FanoutException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The limit, the member count where known, and what to do.</param>
    /// <param name="interfaceName">The interface of the ring that was to join.</param>
    /// <param name="groupId">The group's id.</param>
    /// <param name="memberCount">How many members the group has, or -1 when unknown.</param>
    /// <param name="innerException">The refused setsockopt.</param>
    public FanoutGroupFullException(string message, string interfaceName, ushort? groupId, int memberCount, Exception? innerException)
        : base(message, interfaceName, groupId, innerException)
    {
        MemberCount = memberCount;
    }

    /// <summary>How many members the group has, or -1 when unknown.</summary>
    public int MemberCount { get; }
}
