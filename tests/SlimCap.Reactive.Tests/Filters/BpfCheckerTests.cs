using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Filters;

/// <summary>The two checkers rule by rule, and the kernel's against the running kernel itself.</summary>
public sealed class BpfCheckerTests
{
    private static readonly BpfInstruction Accept = BpfInstruction.Return(uint.MaxValue);

    public static TheoryData<string, BpfInstruction[], int, string> BadForBoth => new()
    {
        { "empty", [], -1, "at least one instruction" },
        { "div #0", [new(0x34, 0, 0, 0), Accept], 0, "division by constant 0" },
        { "mod #0", [new(0x04, 0, 0, 1), new(0x94, 0, 0, 0), Accept], 1, "modulo by constant 0" },
        { "st M[16]", [new(0x02, 0, 0, 16), Accept], 0, "M[15]" },
        { "ld M[16]", [new(0x60, 0, 0, 16), Accept], 0, "slot 16" },
        { "opcode 0xffff", [new(0xffff, 0, 0, 0), Accept], 0, "unknown opcode 0xffff" },
        { "ldb #imm with size bits", [new(0x10, 0, 0, 0), Accept], 0, "unknown opcode 0x0010" },
        { "neg x", [new(0x8c, 0, 0, 0), Accept], 0, "unknown opcode" },
        { "lsh #32", [new(0x64, 0, 0, 32), Accept], 0, "shift by 32" },
        { "jeq past the end", [BpfInstruction.JumpIfEqual(1, 1, 0), Accept], 0, "past the end" },
        { "ja past the end", [new(0x05, 0, 0, 1), Accept], 0, "jumps past the end" },
        { "no final return", [BpfInstruction.LoadByteAbsolute(0)], 0, "must be a return" },
    };

    [Theory]
    [MemberData(nameof(BadForBoth))]
    public void Both_checkers_name_the_first_bad_instruction(string name, BpfInstruction[] code, int index, string reason)
    {
        foreach (BpfDialect dialect in new[] { BpfDialect.Libpcap, BpfDialect.Linux })
        {
            InvalidBpfProgramException? refusal = BpfProgram.Check(code, dialect);
            Assert.True(refusal is not null, $"{name}: {dialect} accepted it");
            Assert.Equal(index, refusal.InstructionIndex);
            Assert.Contains(reason, refusal.Message);
            Assert.IsAssignableFrom<CaptureException>(refusal);
        }
        var thrown = Assert.Throws<InvalidBpfProgramException>(() => new BpfProgram(code));
        Assert.Equal(BpfDialect.Libpcap, thrown.Checker);
    }

    public static TheoryData<string, BpfInstruction[], int, string> BadForTheKernelOnly => new()
    {
        // libpcap's protochain loop: a backward ja.
        { "backward ja", [BpfInstruction.LoadByteAbsolute(0), new(0x05, 0, 0, 0xfffffffe), Accept], 1, "backwards" },
        { "unknown ancillary", [new(0x20, 0, 0, BpfInstruction.AncillaryBase + 64), Accept], 0, "SKF_AD_OFF+64" },
        { "unaligned ancillary", [new(0x30, 0, 0, BpfInstruction.AncillaryBase + 2), Accept], 0, "SKF_AD_OFF+2" },
        { "load before store", [new(0x60, 0, 0, 3), Accept], 0, "M[3]" },
        { "store on one path only", [BpfInstruction.JumpIfEqual(0, 0, 1), new(0x02, 0, 0, 5), new(0x61, 0, 0, 5), Accept], 2, "M[5]" },
        { "4097 instructions", Enumerable.Repeat(Accept, BpfProgram.MaxInstructions + 1).ToArray(), -1, "4096" },
    };

    [Theory]
    [MemberData(nameof(BadForTheKernelOnly))]
    public void The_kernels_checker_is_stricter_than_libpcaps(string name, BpfInstruction[] code, int index, string reason)
    {
        var program = new BpfProgram(code);
        Assert.False(program.IsLinuxCompatible, name);
        Assert.Equal(index, program.LinuxRejection!.InstructionIndex);
        Assert.Equal(BpfDialect.Linux, program.LinuxRejection.Checker);
        Assert.Contains(reason, program.LinuxRejection.Message);
        Assert.Throws<InvalidBpfProgramException>(() => program.RunLinux([1, 2, 3], default));
        Assert.Throws<InvalidBpfProgramException>(() => new RingOptions { BpfFilter = program }.Validate());
    }

    [Fact]
    public void A_kernel_return_resets_nothing_but_a_jump_joins_both_paths()
    {
        // check_load_and_stores carries what is stored across a return (it does not reset), so this is accepted...
        Assert.Null(BpfProgram.Check([new(0x02, 0, 0, 1), Accept, new(0x60, 0, 0, 1), Accept], BpfDialect.Linux));
        // ...and a store on both branches of a jump makes a later load valid.
        Assert.Null(BpfProgram.Check([BpfInstruction.JumpIfEqual(0, 0, 2), new(0x02, 0, 0, 7), new(0x05, 0, 0, 1), new(0x03, 0, 0, 7),
            new(0x60, 0, 0, 7), Accept], BpfDialect.Linux));
    }

    /// <summary>
    /// The kernel decides: every seeded program, well-formed and mutated, is attached to a UDP socket with
    /// SO_ATTACH_FILTER, and our Linux checker must agree on each (EINVAL, or attached).
    /// </summary>
    [Fact]
    public void The_linux_checker_agrees_with_the_running_kernel_on_generated_programs()
    {
        using var socket = new KernelFilterSocket();
        var generator = new BpfProgramGenerator(20261201);
        int accepted = 0, refused = 0;
        var disagreements = new List<string>();
        for (int i = 0; i < 20_000; i++)
        {
            BpfInstruction[] code = i % 3 == 0 ? generator.WellFormed() : generator.Mutated();
            int errno = socket.TryAttach(code);
            InvalidBpfProgramException? ours = BpfProgram.Check(code, BpfDialect.Linux);
            if (errno == 0) accepted++; else refused++;
            if ((errno == 0) != (ours is null) && disagreements.Count < 10)
                disagreements.Add($"kernel errno {errno}, ours {(ours?.Message ?? "accepted")}: [{string.Join(", ", code)}]");
            if (errno != 0 && errno != 22) disagreements.Add($"kernel errno {errno} (not EINVAL) for [{string.Join(", ", code)}]");
        }
        Assert.Empty(disagreements);
        Assert.True(accepted > 3000 && refused > 3000, $"accepted {accepted}, refused {refused}: the programs do not cover both sides");
        Assert.NotEqual(0, socket.TryAttach(Enumerable.Repeat(Accept, BpfProgram.MaxInstructions + 1).ToArray()));
        Assert.Equal(0, socket.TryAttach(Enumerable.Repeat(Accept, BpfProgram.MaxInstructions).ToArray()));
    }

    [Fact]
    public void Every_program_the_kernel_accepts_libpcap_accepts_too()
    {
        var generator = new BpfProgramGenerator(7);
        for (int i = 0; i < 20_000; i++)
        {
            BpfInstruction[] code = generator.Mutated();
            if (BpfProgram.Check(code, BpfDialect.Linux) is null)
                Assert.Null(BpfProgram.Check(code, BpfDialect.Libpcap));
        }
    }
}
