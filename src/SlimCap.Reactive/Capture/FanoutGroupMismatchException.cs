namespace SlimCap.Reactive.Capture;

/// <summary>
/// The group exists and is set up differently from the ring that asked to join it (the kernel's EINVAL on
/// PACKET_FANOUT): another mode, other flags, another interface, protocol or member limit. The message names each
/// difference with both values; <see cref="Differences"/> lists them.
/// </summary>
public sealed class FanoutGroupMismatchException : FanoutException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What differs, with both values.</param>
    /// <param name="interfaceName">The interface of the ring that was to join.</param>
    /// <param name="groupId">The group's id.</param>
    /// <param name="differences">What differs.</param>
    /// <param name="innerException">The refused setsockopt.</param>
    public FanoutGroupMismatchException(string message, string interfaceName, ushort groupId, FanoutMismatch differences, Exception? innerException)
        : base(message, interfaceName, groupId, innerException)
    {
        Differences = differences;
    }

    /// <summary>What differs from the group's existing members.</summary>
    public FanoutMismatch Differences { get; }
}
