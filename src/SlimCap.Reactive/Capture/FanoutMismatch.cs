
namespace SlimCap.Reactive.Capture;

/// <summary>What differs between a ring that asked to join a fan-out group and the group's existing members.</summary>
[Flags]
public enum FanoutMismatch
{
    /// <summary>Nothing the kernel shows differs (used only with <see cref="Unknown"/>).</summary>
    None = 0,

    /// <summary>The fan-out mode (<see cref="FanoutGroupOptions.Mode"/>).</summary>
    Mode = 1,

    /// <summary>The group flags: <see cref="FanoutGroupOptions.Defrag"/>, <see cref="FanoutGroupOptions.RolloverWhenFull"/> or <see cref="CaptureOptions.IgnoreOutgoing"/>.</summary>
    Flags = 2,

    /// <summary>The group captures on another interface.</summary>
    Interface = 4,

    /// <summary>The group's members are bound to another protocol (a group opened by another program).</summary>
    Protocol = 8,

    /// <summary>The member limit (<see cref="FanoutGroupOptions.MaxMembers"/>) given differs from the group's; the kernel does not show the group's limit, so this is inferred when nothing else differs.</summary>
    MaxMembers = 16,

    /// <summary>The group's settings could not be read (no NETLINK_SOCK_DIAG for packet sockets).</summary>
    Unknown = 32,
}
