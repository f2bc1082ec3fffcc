using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// Keeps the packets a classic-BPF program accepts (a non-zero return). libpcap's semantics through the compiled
/// program (captured bytes, wire length), or the kernel's (<see cref="BpfProgram.RunLinux"/> with what the packet
/// carries of the kernel's metadata).
/// </summary>
internal readonly struct BpfSelector : IPacketSelector
{
    private readonly BpfFilterFunction? _compiled;
    private readonly BpfProgram _program;
    private readonly ushort _hardwareType;

    /// <param name="program">The program; for <see cref="BpfDialect.Linux"/> one the kernel's checker accepts.</param>
    /// <param name="dialect">Whose semantics to run it with.</param>
    /// <param name="hardwareType">The link's ARPHRD type for SKF_AD_HATYPE when known (0: as <see cref="LinuxPacketInfo.FromPacket"/> derives it).</param>
    internal BpfSelector(BpfProgram program, BpfDialect dialect, ushort hardwareType = 0)
    {
        _program = program;
        _hardwareType = hardwareType;
        _compiled = dialect == BpfDialect.Libpcap ? program.Compile() : null;
    }

    public bool Select(PacketType type, in PacketRef packet)
    {
        if (_compiled is { } compiled) return compiled(packet.Data, (uint)Math.Min(packet.TotalLength, uint.MaxValue)) != 0;
        LinuxPacketInfo info = LinuxPacketInfo.FromPacket(packet);
        if (_hardwareType != 0) info = info with { HardwareType = _hardwareType };
        return _program.RunLinux(packet.Data, info) != 0;
    }
}
