using System.Buffers.Binary;
using System.Collections.Immutable;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// A classic BPF program, as attached with SO_ATTACH_FILTER. Immutable. <see cref="Run"/> executes
/// it in managed code with the kernel's semantics, so a filter can be checked on sample frames
/// without a socket.
/// </summary>
/// <remarks>Thread safety: immutable; <see cref="Run"/> may be called from any number of threads at once.</remarks>
public sealed partial class BpfProgram
{
    /// <summary>The kernel's limit on a program's length (BPF_MAXINSNS).</summary>
    public const int MaxInstructions = 4096;

    /// <summary>Creates a program, checking it the way the kernel's classic-BPF checker would.</summary>
    /// <exception cref="ArgumentException">The program is empty, too long, jumps out of range, or can end without a return.</exception>
    public BpfProgram(IEnumerable<BpfInstruction> instructions)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        Instructions = instructions.ToImmutableArray();
        Validate(Instructions);
    }

    /// <summary>The program's instructions.</summary>
    public ImmutableArray<BpfInstruction> Instructions { get; }

    /// <summary>Number of instructions.</summary>
    public int Length => Instructions.Length;

    /// <summary>A program that accepts every packet, captured up to <paramref name="snapLength"/> bytes.</summary>
    public static BpfProgram AcceptAll(uint snapLength) => new([BpfInstruction.Return(snapLength)]);

    /// <summary>
    /// Runs the program over <paramref name="packet"/> and returns how many bytes it accepts (0 = drop).
    /// A load beyond the packet ends the program with 0, as in the kernel.
    /// </summary>
    /// <param name="packet">The frame as the socket sees it (VLAN tag already stripped, as on Linux).</param>
    /// <param name="vlanTci">The stripped VLAN TCI, for SKF_AD_VLAN_TAG loads.</param>
    /// <param name="vlanPresent">Whether a tag was stripped, for SKF_AD_VLAN_TAG_PRESENT.</param>
    /// <param name="packetType">The packet type, for SKF_AD_PKTTYPE.</param>
    public uint Run(ReadOnlySpan<byte> packet, ushort vlanTci = 0, bool vlanPresent = false, PacketType packetType = PacketType.Host)
    {
        ImmutableArray<BpfInstruction> code = Instructions;
        Span<uint> memory = stackalloc uint[16];
        uint a = 0, x = 0;
        for (int pc = 0; pc < code.Length; pc++)
        {
            BpfInstruction ins = code[pc];
            ushort cls = (ushort)(ins.Code & 0x07);
            switch (cls)
            {
                case BpfInstruction.ClassLd:
                case BpfInstruction.ClassLdx:
                {
                    ushort mode = (ushort)(ins.Code & 0xe0), size = (ushort)(ins.Code & 0x18);
                    uint value;
                    if (mode == BpfInstruction.ModeImm) value = ins.K;
                    else if (mode == BpfInstruction.ModeLen) value = (uint)packet.Length;
                    else if (mode == BpfInstruction.ModeMem) value = memory[(int)(ins.K & 15)];
                    else if (mode == BpfInstruction.ModeMsh)
                    {
                        if (ins.K >= (uint)packet.Length) return 0;
                        value = (uint)(packet[(int)ins.K] & 0x0f) << 2;
                    }
                    else
                    {
                        ulong offset = mode == BpfInstruction.ModeInd ? (ulong)x + ins.K : ins.K;
                        if (mode == BpfInstruction.ModeAbs && ins.K >= BpfInstruction.AncillaryBase)
                        {
                            value = Ancillary(ins.K, packet, vlanTci, vlanPresent, packetType);
                        }
                        else if (!TryLoad(packet, offset, size, out value)) return 0;
                    }
                    if (cls == BpfInstruction.ClassLd) a = value; else x = value;
                    break;
                }
                case BpfInstruction.ClassSt: memory[(int)(ins.K & 15)] = a; break;
                case BpfInstruction.ClassStx: memory[(int)(ins.K & 15)] = x; break;
                case BpfInstruction.ClassAlu:
                {
                    uint operand = (ins.Code & BpfInstruction.SrcX) != 0 ? x : ins.K;
                    switch (ins.Code & 0xf0)
                    {
                        case BpfInstruction.AluAdd: a += operand; break;
                        case BpfInstruction.AluSub: a -= operand; break;
                        case BpfInstruction.AluMul: a *= operand; break;
                        case BpfInstruction.AluDiv: if (operand == 0) return 0; a /= operand; break;
                        case BpfInstruction.AluMod: if (operand == 0) return 0; a %= operand; break;
                        case BpfInstruction.AluOr: a |= operand; break;
                        case BpfInstruction.AluAnd: a &= operand; break;
                        case BpfInstruction.AluXor: a ^= operand; break;
                        case BpfInstruction.AluLsh: a = operand >= 32 ? 0 : a << (int)operand; break;
                        case BpfInstruction.AluRsh: a = operand >= 32 ? 0 : a >> (int)operand; break;
                        case BpfInstruction.AluNeg: a = (uint)-(int)a; break;
                    }
                    break;
                }
                case BpfInstruction.ClassJmp:
                {
                    ushort op = (ushort)(ins.Code & 0xf0);
                    if (op == BpfInstruction.JmpJa)
                    {
                        pc += (int)ins.K;
                        break;
                    }
                    uint operand = (ins.Code & BpfInstruction.SrcX) != 0 ? x : ins.K;
                    bool taken = op switch
                    {
                        BpfInstruction.JmpJeq => a == operand,
                        BpfInstruction.JmpJgt => a > operand,
                        BpfInstruction.JmpJge => a >= operand,
                        BpfInstruction.JmpJset => (a & operand) != 0,
                        _ => false,
                    };
                    pc += taken ? ins.JumpTrue : ins.JumpFalse;
                    break;
                }
                case BpfInstruction.ClassRet:
                    return (ins.Code & 0x18) == BpfInstruction.SrcA ? a : ins.K;
                case BpfInstruction.ClassMisc:
                    if ((ins.Code & 0xf8) == BpfInstruction.MiscTxa) a = x; else x = a;
                    break;
            }
        }
        return 0;
    }

    private static uint Ancillary(uint k, ReadOnlySpan<byte> packet, ushort vlanTci, bool vlanPresent, PacketType type) => k switch
    {
        BpfInstruction.AncillaryVlanTag => vlanTci,
        BpfInstruction.AncillaryVlanTagPresent => vlanPresent ? 1u : 0u,
        BpfInstruction.AncillaryPacketType => (uint)type,
        BpfInstruction.AncillaryProtocol => packet.Length >= 14 ? BinaryPrimitives.ReadUInt16BigEndian(packet[12..]) : 0u,
        _ => 0,
    };

    private static bool TryLoad(ReadOnlySpan<byte> packet, ulong offset, ushort size, out uint value)
    {
        int width = size switch { BpfInstruction.SizeW => 4, BpfInstruction.SizeH => 2, _ => 1 };
        if (offset + (ulong)width > (ulong)packet.Length)
        {
            value = 0;
            return false;
        }
        ReadOnlySpan<byte> at = packet.Slice((int)offset, width);
        value = width switch
        {
            4 => BinaryPrimitives.ReadUInt32BigEndian(at),
            2 => BinaryPrimitives.ReadUInt16BigEndian(at),
            _ => at[0],
        };
        return true;
    }

    private static void Validate(ImmutableArray<BpfInstruction> code)
    {
        if (code.Length == 0) throw new ArgumentException("A BPF program needs at least one instruction.", "instructions");
        if (code.Length > MaxInstructions) throw new ArgumentException($"A BPF program has at most {MaxInstructions} instructions; this one has {code.Length}.", "instructions");
        for (int pc = 0; pc < code.Length; pc++)
        {
            BpfInstruction ins = code[pc];
            if ((ins.Code & 0x07) != BpfInstruction.ClassJmp) continue;
            long furthest = (ins.Code & 0xf0) == BpfInstruction.JmpJa
                ? pc + 1L + ins.K
                : pc + 1L + Math.Max(ins.JumpTrue, ins.JumpFalse);
            if (furthest >= code.Length)
                throw new ArgumentException($"BPF instruction {pc} ({ins}) jumps past the end of the program ({code.Length} instructions).", "instructions");
        }
        if ((code[^1].Code & 0x07) != BpfInstruction.ClassRet)
            throw new ArgumentException($"A BPF program must end with a return; its last instruction is {code[^1]}.", "instructions");
    }
}
