
namespace SlimCap.Reactive.Capture;

/// <summary>
/// The running kernel refused a fan-out group that it would have to create: it lacks the mode, a flag, or struct
/// fanout_args (member limits over 256, Linux 5.13 and later). The message names what was asked.
/// </summary>
public sealed class FanoutNotSupportedException : FanoutException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What the kernel lacks and since which version it exists.</param>
    /// <param name="interfaceName">The interface of the ring that was to join.</param>
    /// <param name="groupId">The group's id, or null when the kernel was to allocate one.</param>
    /// <param name="mode">The mode asked for.</param>
    /// <param name="innerException">The refused setsockopt.</param>
    public FanoutNotSupportedException(string message, string interfaceName, ushort? groupId, FanoutMode mode, Exception? innerException)
        : base(message, interfaceName, groupId, innerException)
    {
        Mode = mode;
    }

    /// <summary>The mode asked for.</summary>
    public FanoutMode Mode { get; }
}
