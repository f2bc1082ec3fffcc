using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using static SlimCap.Reactive.Filters.BpfInstruction;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// Runs a checked classic-BPF program with one of two exact semantics: libpcap's <c>bpf_filter</c>
/// (capture files: bounds against the captured length, <c>len</c> = wire length, backward jumps,
/// no ancillary loads) or the Linux kernel's (live sockets: ancillary loads, negative offsets,
/// <c>len</c> = skb length, shifts by X taken modulo 32, 32-bit indexed offsets).
/// </summary>
internal static class BpfInterpreter
{
    /// <summary>libpcap's bound on backward jumps per packet (MAX_BACKWARD_JUMPS): a loop cannot hang a reader.</summary>
    public const int MaxBackwardJumps = 64;

    public static uint RunLibpcap(ReadOnlySpan<BpfInstruction> code, ReadOnlySpan<byte> data, uint wireLength)
    {
        LinuxPacketInfo none = default;
        return Run(code, data, wireLength, linux: false, in none);
    }

    public static uint RunLinux(ReadOnlySpan<BpfInstruction> code, ReadOnlySpan<byte> data, in LinuxPacketInfo info) =>
        Run(code, data, info.Length, linux: true, in info);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Run(ReadOnlySpan<BpfInstruction> code, ReadOnlySpan<byte> data, uint length, bool linux, in LinuxPacketInfo info)
    {
        Span<uint> memory = stackalloc uint[BpfChecker.MemoryWords];
        memory.Clear();
        uint a = 0, x = 0;
        int backwardJumps = 0;
        for (int pc = 0; (uint)pc < (uint)code.Length; pc++)
        {
            BpfInstruction ins = code[pc];
            uint k = ins.K;
            switch (ins.Code)
            {
                case ClassRet | SrcK: return k;
                case ClassRet | SrcA: return a;
                // One case per load size: with the size a constant, the inlined Load reads with one fixed-width read.
                case ClassLd | SizeW | ModeAbs:
                    if (linux && k >= AncillaryBase) a = LinuxAncillary.Load(k, data, a, x, in info);
                    else if (!Load(data, k, 0, 4, linux, info.NetworkOffset, out a)) return 0;
                    break;
                case ClassLd | SizeH | ModeAbs:
                    if (linux && k >= AncillaryBase) a = LinuxAncillary.Load(k, data, a, x, in info);
                    else if (!Load(data, k, 0, 2, linux, info.NetworkOffset, out a)) return 0;
                    break;
                case ClassLd | SizeB | ModeAbs:
                    if (linux && k >= AncillaryBase) a = LinuxAncillary.Load(k, data, a, x, in info);
                    else if (!Load(data, k, 0, 1, linux, info.NetworkOffset, out a)) return 0;
                    break;
                case ClassLd | SizeW | ModeInd:
                    if (!Load(data, k, x, 4, linux, info.NetworkOffset, out a)) return 0;
                    break;
                case ClassLd | SizeH | ModeInd:
                    if (!Load(data, k, x, 2, linux, info.NetworkOffset, out a)) return 0;
                    break;
                case ClassLd | SizeB | ModeInd:
                    if (!Load(data, k, x, 1, linux, info.NetworkOffset, out a)) return 0;
                    break;
                case ClassLdx | SizeB | ModeMsh:
                    if (!Load(data, k, 0, 1, linux, info.NetworkOffset, out uint b)) return 0;
                    x = (b & 0x0f) << 2;
                    break;
                case ClassLd | SizeW | ModeLen: a = length; break;
                case ClassLdx | SizeW | ModeLen: x = length; break;
                case ClassLd | ModeImm: a = k; break;
                case ClassLdx | ModeImm: x = k; break;
                case ClassLd | ModeMem: a = memory[(int)(k & 15)]; break;
                case ClassLdx | ModeMem: x = memory[(int)(k & 15)]; break;
                case ClassSt: memory[(int)(k & 15)] = a; break;
                case ClassStx: memory[(int)(k & 15)] = x; break;
                case ClassJmp | JmpJa:
                    if ((int)k < 0)
                    {
                        // Only libpcap's checker lets a backward jump through; it bounds them per packet.
                        if ((int)k == -1 || backwardJumps++ >= MaxBackwardJumps) return 0;
                    }
                    pc += (int)k;
                    break;
                case ClassJmp | JmpJeq | SrcK: pc += a == k ? ins.JumpTrue : ins.JumpFalse; break;
                case ClassJmp | JmpJgt | SrcK: pc += a > k ? ins.JumpTrue : ins.JumpFalse; break;
                case ClassJmp | JmpJge | SrcK: pc += a >= k ? ins.JumpTrue : ins.JumpFalse; break;
                case ClassJmp | JmpJset | SrcK: pc += (a & k) != 0 ? ins.JumpTrue : ins.JumpFalse; break;
                case ClassJmp | JmpJeq | SrcX: pc += a == x ? ins.JumpTrue : ins.JumpFalse; break;
                case ClassJmp | JmpJgt | SrcX: pc += a > x ? ins.JumpTrue : ins.JumpFalse; break;
                case ClassJmp | JmpJge | SrcX: pc += a >= x ? ins.JumpTrue : ins.JumpFalse; break;
                case ClassJmp | JmpJset | SrcX: pc += (a & x) != 0 ? ins.JumpTrue : ins.JumpFalse; break;
                case ClassAlu | AluNeg: a = 0u - a; break;
                case ClassMisc | MiscTax: x = a; break;
                case ClassMisc | MiscTxa: a = x; break;
                default:
                    if ((ins.Code & 0x07) != ClassAlu) return 0; // unknown: libpcap's interpreter also returns 0
                    uint operand = (ins.Code & SrcX) != 0 ? x : k;
                    switch (ins.Code & 0xf0)
                    {
                        case AluAdd: a += operand; break;
                        case AluSub: a -= operand; break;
                        case AluMul: a *= operand; break;
                        case AluDiv: if (operand == 0) return 0; a /= operand; break;
                        case AluMod: if (operand == 0) return 0; a %= operand; break;
                        case AluAnd: a &= operand; break;
                        case AluOr: a |= operand; break;
                        case AluXor: a ^= operand; break;
                        // The kernel shifts by X modulo 32 (eBPF ALU32); libpcap gives 0 from 32 on.
                        case AluLsh: a = linux ? a << (int)(operand & 31) : operand < 32 ? a << (int)operand : 0; break;
                        case AluRsh: a = linux ? a >> (int)(operand & 31) : operand < 32 ? a >> (int)operand : 0; break;
                        default: return 0;
                    }
                    break;
            }
        }
        return 0;
    }

    /// <summary>
    /// A packet load at <paramref name="k"/> (+ <paramref name="x"/> for indexed loads). libpcap: the
    /// unsigned sum without wrap-around must lie inside the captured bytes. Linux: the 32-bit sum is a
    /// signed offset (negative ones address the network or MAC header).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Load(ReadOnlySpan<byte> data, uint k, uint x, int size, bool linux, int networkOffset, out uint value)
    {
        if (linux) return LinuxAncillary.TryLoad(data, (int)(x + k), size, networkOffset, out value);
        ulong offset = (ulong)x + k;
        if (offset + (ulong)size > (ulong)data.Length)
        {
            value = 0;
            return false;
        }
        ReadOnlySpan<byte> at = data.Slice((int)offset, size);
        value = size switch
        {
            4 => BinaryPrimitives.ReadUInt32BigEndian(at),
            2 => BinaryPrimitives.ReadUInt16BigEndian(at),
            _ => at[0],
        };
        return true;
    }
}
