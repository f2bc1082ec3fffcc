using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// One member of a <see cref="FanoutGroupSource"/> could not be opened. Nothing is left half-open: every member opened
/// before it was closed again. <see cref="Exception.InnerException"/> is that member's own error (often another
/// <see cref="FanoutException"/>, or an <see cref="InterfaceNotFoundException"/> or <see cref="CapturePermissionException"/>).
/// </summary>
public sealed class FanoutMemberOpenException : FanoutException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="interfaceName">The group's interface.</param>
    /// <param name="groupId">The group's id, or null when no member had joined yet.</param>
    /// <param name="member">The index of the member that failed.</param>
    /// <param name="memberCount">How many members the group was to have.</param>
    /// <param name="innerException">The member's error.</param>
    public FanoutMemberOpenException(string interfaceName, ushort? groupId, int member, int memberCount, Exception innerException)
        : base($"Member {member} of {memberCount} of the fan-out group on '{interfaceName}'{(groupId is null ? "" : $" (group {groupId})")} could not be opened; the {member} member(s) opened before it were closed again. {innerException.Message}",
               interfaceName, groupId, innerException)
    {
        Member = member;
        MemberCount = memberCount;
    }

    /// <summary>The index of the member that failed.</summary>
    public int Member { get; }

    /// <summary>How many members the group was to have.</summary>
    public int MemberCount { get; }
}
