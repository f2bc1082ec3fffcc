using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// A classic BPF program (what SO_ATTACH_FILTER attaches and libpcap's <c>bpf_filter</c> runs).
/// Immutable. Built only from instructions libpcap's checker accepts; whether the Linux kernel's
/// stricter checker accepts it too is <see cref="LinuxRejection"/>. <see cref="Run(ReadOnlySpan{byte}, uint)"/>
/// gives libpcap's verdict (capture files, every user-space source) and <see cref="RunLinux"/> the
/// kernel's (live sockets), each exactly.
/// </summary>
/// <remarks>Thread safety: immutable; every member may be called from any number of threads at once.</remarks>
public sealed partial class BpfProgram
{
    /// <summary>The kernel's limit on a program's length (BPF_MAXINSNS).</summary>
    public const int MaxInstructions = 4096;

    private BpfFilterFunction? _compiled;
    private InvalidBpfProgramException? _linuxRejection;
    private int _linuxChecked;

    /// <summary>Creates a program, checking it as libpcap's <c>bpf_validate</c> does.</summary>
    /// <exception cref="InvalidBpfProgramException">
    /// libpcap refuses the program: empty, longer than 3,060,000 instructions, an unknown opcode, a scratch slot past
    /// M[15], a constant division or modulo by 0, a constant shift by 32 or more, a jump outside the program or to
    /// itself, or no return at the end. The exception names the first bad instruction.
    /// </exception>
    public BpfProgram(IEnumerable<BpfInstruction> instructions)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        Instructions = instructions.ToImmutableArray();
        if (BpfChecker.Check(Instructions.AsSpan(), BpfDialect.Libpcap) is { } refusal) throw refusal;
    }

    /// <summary>The program's instructions.</summary>
    public ImmutableArray<BpfInstruction> Instructions { get; }

    /// <summary>Number of instructions.</summary>
    public int Length => Instructions.Length;

    /// <summary>
    /// Why the Linux kernel's checker (<c>bpf_check_classic</c>) would refuse this program, naming the first bad
    /// instruction (a backward jump, an unknown ancillary offset, a scratch load before a store, more than
    /// <see cref="MaxInstructions"/> instructions), or null when SO_ATTACH_FILTER accepts it.
    /// </summary>
    public InvalidBpfProgramException? LinuxRejection
    {
        get
        {
            if (Volatile.Read(ref _linuxChecked) == 0)
            {
                _linuxRejection = BpfChecker.Check(Instructions.AsSpan(), BpfDialect.Linux);
                Volatile.Write(ref _linuxChecked, 1);
            }
            return _linuxRejection;
        }
    }

    /// <summary>Whether the Linux kernel accepts the program (<see cref="LinuxRejection"/> is null).</summary>
    public bool IsLinuxCompatible => LinuxRejection is null;

    /// <summary>Throws <see cref="LinuxRejection"/> when the kernel would refuse the program.</summary>
    /// <exception cref="InvalidBpfProgramException">The kernel's checker refuses the program; the exception names the first bad instruction.</exception>
    public void EnsureLinuxCompatible()
    {
        if (LinuxRejection is { } refusal) throw refusal;
    }

    /// <summary>A program that accepts every packet, captured up to <paramref name="snapLength"/> bytes.</summary>
    public static BpfProgram AcceptAll(uint snapLength) => new([BpfInstruction.Return(snapLength)]);

    /// <summary>Checks <paramref name="instructions"/> by <paramref name="dialect"/>'s rules without building a program.</summary>
    /// <returns>Null when they are accepted, else the refusal naming the first bad instruction.</returns>
    public static InvalidBpfProgramException? Check(ReadOnlySpan<BpfInstruction> instructions, BpfDialect dialect) =>
        BpfChecker.Check(instructions, dialect);

    /// <summary>Runs the program as libpcap's <c>bpf_filter</c> does, with the wire length equal to the captured length.</summary>
    public uint Run(ReadOnlySpan<byte> packet) => BpfInterpreter.RunLibpcap(Instructions.AsSpan(), packet, (uint)packet.Length);

    /// <summary>
    /// Runs the program exactly as libpcap's <c>bpf_filter(program, packet, wireLength, packet.Length)</c>:
    /// unsigned 32-bit arithmetic, a load reaching past the captured bytes returns 0 (drop), <c>len</c> is
    /// <paramref name="wireLength"/>, division or modulo by a zero X returns 0, a shift by X of 32 or more gives 0,
    /// backward jumps run (at most 64 per packet), ancillary loads find nothing (0).
    /// </summary>
    /// <returns>The program's return value: 0 drops the packet; libpcap keeps it whole otherwise.</returns>
    public uint Run(ReadOnlySpan<byte> packet, uint wireLength) => BpfInterpreter.RunLibpcap(Instructions.AsSpan(), packet, wireLength);

    /// <summary>
    /// The program compiled for fast filtering in user space, with exactly <see cref="Run(ReadOnlySpan{byte}, uint)"/>'s
    /// semantics: IL (a <c>DynamicMethod</c>) where the runtime supports dynamic code, else the interpreter (Native AOT).
    /// Compiled on the first call and kept; every later call returns the same delegate.
    /// </summary>
    public BpfFilterFunction Compile()
    {
        BpfFilterFunction? compiled = Volatile.Read(ref _compiled);
        if (compiled is not null) return compiled;
        compiled = RuntimeFeature.IsDynamicCodeSupported && BpfIlCompiler.IsSupported ? BpfIlCompiler.Compile(Instructions.AsSpan()) : Run;
        return Interlocked.CompareExchange(ref _compiled, compiled, null) ?? compiled;
    }

    /// <summary>Whether <see cref="Compile"/> gives IL rather than the interpreter on this runtime.</summary>
    public static bool CompilesToIL => BpfIlCompiler.IsSupported;

    /// <summary>
    /// Runs the program as the Linux kernel runs an attached socket filter on a frame it received: ancillary
    /// loads at SKF_AD_OFF read <paramref name="info"/>, SKF_NET_OFF / SKF_LL_OFF offsets address the network
    /// and MAC headers, <c>len</c> is <see cref="LinuxPacketInfo.Length"/>, an indexed offset is the 32-bit sum
    /// X + k taken as signed, shifts by X are modulo 32, division or modulo by a zero X returns 0.
    /// <paramref name="frame"/> must be the frame as the kernel sees it (VLAN tag stripped) and whole: a load
    /// past its end returns 0, where the kernel would read bytes a snap length cut off.
    /// </summary>
    /// <returns>The program's return value: 0 drops the frame, else the kernel keeps that many bytes of it at most.</returns>
    /// <exception cref="InvalidBpfProgramException">The kernel's checker refuses the program (<see cref="LinuxRejection"/>).</exception>
    public uint RunLinux(ReadOnlySpan<byte> frame, in LinuxPacketInfo info)
    {
        EnsureLinuxCompatible();
        return BpfInterpreter.RunLinux(Instructions.AsSpan(), frame, in info);
    }
}
