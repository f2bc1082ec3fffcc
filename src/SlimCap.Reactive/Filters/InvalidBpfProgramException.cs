using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// A classic BPF program is refused: by libpcap's rules when it is built, or by the Linux kernel's
/// checker (<c>bpf_check_classic</c>) before it is attached to a socket or run with the kernel's
/// semantics. Names the first bad instruction (index in the caller's own instructions, the
/// instruction itself) and why, so nothing fails later with an EINVAL that names no instruction.
/// </summary>
public sealed class InvalidBpfProgramException : CaptureException
{
    /// <summary>Creates the exception for instruction <paramref name="index"/> (-1: the program as a whole).</summary>
    public InvalidBpfProgramException(BpfDialect checker, int index, BpfInstruction? instruction, string reason, string? location = null)
        : base(Format(checker, index, instruction, reason, location))
    {
        Checker = checker;
        InstructionIndex = index;
        Instruction = instruction;
        Reason = reason;
        Location = location;
    }

    /// <summary>Whose rules refused the program.</summary>
    public BpfDialect Checker { get; }

    /// <summary>The index of the first bad instruction, or -1 when the program as a whole is refused (empty, too long).</summary>
    public int InstructionIndex { get; }

    /// <summary>The first bad instruction, or null when the program as a whole is refused.</summary>
    public BpfInstruction? Instruction { get; }

    /// <summary>Why it was refused.</summary>
    public string Reason { get; }

    /// <summary>Where the instructions came from when that is not the program itself (for example <c>ExtraBpfInstructions</c>), or null.</summary>
    public string? Location { get; }

    private static string Format(BpfDialect checker, int index, BpfInstruction? instruction, string reason, string? location)
    {
        string who = checker == BpfDialect.Linux ? "the Linux kernel's classic-BPF checker" : "libpcap's BPF checker";
        string where = location is null ? "BPF instruction" : location + " instruction";
        return index < 0
            ? $"Invalid BPF program ({who}): {reason}"
            : $"Invalid BPF program ({who}): {where} {index} {instruction}: {reason}";
    }
}
