using static SlimCap.Reactive.Filters.BpfInstruction;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// The two classic-BPF checkers, rule for rule: libpcap's <c>pcapint_validate_filter</c> (bpf_filter.c)
/// and the Linux kernel's <c>bpf_check_classic</c> with <c>check_load_and_stores</c> (net/core/filter.c).
/// Each returns the first refusal in the order its original finds it, or null.
/// </summary>
internal static class BpfChecker
{
    /// <summary>libpcap's limit (BPF_MAXINSNS in bpf_filter.c): about what pcap_compile can produce unoptimized.</summary>
    public const int LibpcapMaxInstructions = 3_060_000;

    /// <summary>Scratch memory words (BPF_MEMWORDS).</summary>
    public const int MemoryWords = 16;

    public static InvalidBpfProgramException? Check(ReadOnlySpan<BpfInstruction> code, BpfDialect dialect) =>
        dialect == BpfDialect.Linux ? CheckLinux(code) : CheckLibpcap(code);

    /// <summary>Whether both libpcap and the kernel know the opcode (their tables are the same 58 codes).</summary>
    public static bool IsKnownOpcode(ushort code) => code switch
    {
        ClassRet | SrcK or ClassRet | SrcA => true,
        ClassLd | SizeW | ModeAbs or ClassLd | SizeH | ModeAbs or ClassLd | SizeB | ModeAbs => true,
        ClassLd | SizeW | ModeLen or ClassLdx | SizeW | ModeLen => true,
        ClassLd | SizeW | ModeInd or ClassLd | SizeH | ModeInd or ClassLd | SizeB | ModeInd => true,
        ClassLdx | SizeB | ModeMsh or ClassLd | ModeImm or ClassLdx | ModeImm => true,
        ClassLd | ModeMem or ClassLdx | ModeMem or ClassSt or ClassStx => true,
        ClassJmp | JmpJa => true,
        ClassJmp | JmpJeq | SrcK or ClassJmp | JmpJeq | SrcX or ClassJmp | JmpJgt | SrcK or ClassJmp | JmpJgt | SrcX => true,
        ClassJmp | JmpJge | SrcK or ClassJmp | JmpJge | SrcX or ClassJmp | JmpJset | SrcK or ClassJmp | JmpJset | SrcX => true,
        ClassAlu | AluNeg or ClassMisc | MiscTax or ClassMisc | MiscTxa => true,
        _ when (code & 0x07) == ClassAlu && (code & ~0xf8) == ClassAlu => (code & 0xf0) switch
        {
            AluAdd or AluSub or AluMul or AluDiv or AluMod or AluAnd or AluOr or AluXor or AluLsh or AluRsh => true,
            _ => false,
        },
        _ => false,
    };

    private static InvalidBpfProgramException Refuse(BpfDialect dialect, int pc, BpfInstruction ins, string reason) =>
        new(dialect, pc, ins, reason);

    /// <summary>A per-instruction refusal both checkers share (opcode, scratch slot, constant divisor and shift), or null.</summary>
    private static string? InstructionProblem(BpfInstruction ins)
    {
        if (!IsKnownOpcode(ins.Code)) return $"unknown opcode 0x{ins.Code:x4}";
        switch (ins.Code)
        {
            case ClassLd | ModeMem:
            case ClassLdx | ModeMem:
            case ClassSt:
            case ClassStx:
                return ins.K >= MemoryWords ? $"scratch memory slot {ins.K} does not exist (M[0] to M[{MemoryWords - 1}])" : null;
            case ClassAlu | AluDiv | SrcK:
                return ins.K == 0 ? "division by constant 0" : null;
            case ClassAlu | AluMod | SrcK:
                return ins.K == 0 ? "modulo by constant 0" : null;
            case ClassAlu | AluLsh | SrcK:
            case ClassAlu | AluRsh | SrcK:
                return ins.K >= 32 ? $"constant shift by {ins.K} bits (at most 31)" : null;
        }
        return null;
    }

    private static InvalidBpfProgramException? CheckLibpcap(ReadOnlySpan<BpfInstruction> code)
    {
        const BpfDialect d = BpfDialect.Libpcap;
        if (code.Length == 0) return new(d, -1, null, "a program needs at least one instruction");
        if (code.Length > LibpcapMaxInstructions) return new(d, -1, null, $"at most {LibpcapMaxInstructions} instructions; this program has {code.Length}");
        for (int pc = 0; pc < code.Length; pc++)
        {
            BpfInstruction ins = code[pc];
            if (InstructionProblem(ins) is { } problem) return Refuse(d, pc, ins, problem);
            if ((ins.Code & 0x07) != ClassJmp) continue;
            uint from = (uint)pc + 1;
            if (ins.Code == (ClassJmp | JmpJa))
            {
                // Unsigned, as libpcap: a backward jump (protochain) wraps below the length and is allowed.
                if (from + ins.K >= (uint)code.Length) return Refuse(d, pc, ins, (int)ins.K < 0 ? "jumps back before the program's start" : $"jumps past the end of the program ({code.Length} instructions)");
                if ((int)ins.K == -1) return Refuse(d, pc, ins, "jumps to itself (an endless loop)");
            }
            else if (from + ins.JumpTrue >= (uint)code.Length || from + ins.JumpFalse >= (uint)code.Length)
            {
                return Refuse(d, pc, ins, $"jumps past the end of the program ({code.Length} instructions)");
            }
        }
        if ((code[^1].Code & 0x07) != ClassRet) return Refuse(d, code.Length - 1, code[^1], "the last instruction must be a return");
        return null;
    }

    private static InvalidBpfProgramException? CheckLinux(ReadOnlySpan<BpfInstruction> code)
    {
        const BpfDialect d = BpfDialect.Linux;
        if (code.Length == 0) return new(d, -1, null, "a program needs at least one instruction");
        if (code.Length > BpfProgram.MaxInstructions) return new(d, -1, null, $"at most {BpfProgram.MaxInstructions} instructions (BPF_MAXINSNS); this program has {code.Length}");
        int flen = code.Length;
        for (int pc = 0; pc < flen; pc++)
        {
            BpfInstruction ins = code[pc];
            if (InstructionProblem(ins) is { } problem) return Refuse(d, pc, ins, problem);
            switch (ins.Code)
            {
                case ClassJmp | JmpJa:
                    // Forward only: the kernel's offset is unsigned and must stay inside the program.
                    if (ins.K >= (uint)(flen - pc - 1))
                        return Refuse(d, pc, ins, (int)ins.K < 0 ? "jumps backwards (the kernel allows forward jumps only)" : $"jumps past the end of the program ({flen} instructions)");
                    break;
                case ClassLd | SizeW | ModeAbs:
                case ClassLd | SizeH | ModeAbs:
                case ClassLd | SizeB | ModeAbs:
                    if (ins.K >= AncillaryBase && !LinuxAncillary.IsKnown(ins.K))
                        return Refuse(d, pc, ins, $"unknown ancillary load SKF_AD_OFF+{ins.K - AncillaryBase}");
                    break;
                default:
                    if ((ins.Code & 0x07) == ClassJmp && (pc + ins.JumpTrue + 1 >= flen || pc + ins.JumpFalse + 1 >= flen))
                        return Refuse(d, pc, ins, $"jumps past the end of the program ({flen} instructions)");
                    break;
            }
        }
        if ((code[^1].Code & 0x07) != ClassRet) return Refuse(d, flen - 1, code[^1], "the last instruction must be a return");
        return CheckLoadsAfterStores(code);
    }

    /// <summary>
    /// check_load_and_stores: every scratch-memory load must follow a store to that slot on every path.
    /// Kept exactly as the kernel walks it (a return does not reset what is known; only jumps do).
    /// </summary>
    private static InvalidBpfProgramException? CheckLoadsAfterStores(ReadOnlySpan<BpfInstruction> code)
    {
        Span<ushort> masks = code.Length <= 512 ? stackalloc ushort[code.Length] : new ushort[code.Length];
        masks.Fill(0xffff);
        ushort valid = 0;
        for (int pc = 0; pc < code.Length; pc++)
        {
            valid &= masks[pc];
            BpfInstruction ins = code[pc];
            switch (ins.Code)
            {
                case ClassSt:
                case ClassStx:
                    valid |= (ushort)(1 << (int)ins.K);
                    break;
                case ClassLd | ModeMem:
                case ClassLdx | ModeMem:
                    if ((valid & (1 << (int)ins.K)) == 0)
                        return Refuse(BpfDialect.Linux, pc, ins, $"loads scratch memory M[{ins.K}] before every path to it has stored there");
                    break;
                case ClassJmp | JmpJa:
                    masks[pc + 1 + (int)ins.K] &= valid;
                    valid = 0xffff;
                    break;
                default:
                    if ((ins.Code & 0x07) == ClassJmp)
                    {
                        masks[pc + 1 + ins.JumpTrue] &= valid;
                        masks[pc + 1 + ins.JumpFalse] &= valid;
                        valid = 0xffff;
                    }
                    break;
            }
        }
        return null;
    }
}
