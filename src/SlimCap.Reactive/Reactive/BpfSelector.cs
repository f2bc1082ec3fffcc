using SlimCap.Reactive.Filters;

namespace SlimCap.Reactive;

/// <summary>
/// Keeps the packets a classic-BPF program accepts (a non-zero return). libpcap's semantics through the compiled
/// program (captured bytes, wire length), or the kernel's (<see cref="BpfProgram.RunLinux"/> with what the packet
/// carries of the kernel's metadata).
/// </summary>
internal readonly struct BpfSelector : IPacketSelector
{
    private readonly BpfFilterFunction? _compiled;
    private readonly BpfProgram _program;

    internal BpfSelector(BpfProgram program, BpfDialect dialect)
    {
        _program = program;
        _compiled = dialect == BpfDialect.Libpcap ? program.Compile() : null;
    }

    public bool Select(PacketType type, in PacketRef packet)
    {
        if (_compiled is { } compiled) return compiled(packet.Data, (uint)Math.Min(packet.TotalLength, uint.MaxValue)) != 0;
        return _program.RunLinux(packet.Data, LinuxPacketInfo.FromPacket(packet)) != 0;
    }
}
