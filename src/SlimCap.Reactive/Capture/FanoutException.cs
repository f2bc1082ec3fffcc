using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// A ring could not take its place in a PACKET_FANOUT group. The subtypes say why: the group is set up
/// differently (<see cref="FanoutGroupMismatchException"/>), it is full (<see cref="FanoutGroupFullException"/>),
/// the kernel lacks what was asked (<see cref="FanoutNotSupportedException"/>), or one member of a
/// <see cref="FanoutGroupSource"/> failed to open (<see cref="FanoutMemberOpenException"/>).
/// </summary>
public class FanoutException : CaptureException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="interfaceName">The interface of the ring that was to join.</param>
    /// <param name="groupId">The group's id, or null when the kernel was to allocate one.</param>
    /// <param name="innerException">The failed call, usually a <see cref="NativeCallException"/>.</param>
    public FanoutException(string message, string interfaceName, ushort? groupId, Exception? innerException)
        : base(message, innerException)
    {
        InterfaceName = interfaceName;
        GroupId = groupId;
    }

    /// <summary>The interface of the ring that was to join.</summary>
    public string InterfaceName { get; }

    /// <summary>The group's id, or null when the kernel was to allocate one.</summary>
    public ushort? GroupId { get; }
}
