using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Filters;

/// <summary>
/// <see cref="BpfProgram.Run(ReadOnlySpan{byte}, uint)"/> is libpcap's bpf_filter: libpcap's own programs (tcpdump -ddd)
/// for every valid expression of tests/data/filters keep exactly the records libpcap kept over the corpus
/// (ground truth: count and md5 per file), and give libpcap's verdicts on the rules its README lists.
/// </summary>
public sealed class LibpcapSemanticsTests
{
    [Fact]
    public void Libpcaps_programs_keep_exactly_the_ground_truths_records()
    {
        var differences = new List<string>();
        int expressions = 0;
        foreach ((string id, string expression, bool valid) in FilterGroundTruth.Expressions())
        {
            if (!valid) continue;
            var program = new BpfProgram(TcpdumpPrograms.Compile(expression));
            differences.AddRange(FilterGroundTruth.Differences(id, r => program.Run(r.Data, (uint)r.TotalLength) != 0).Take(3));
            expressions++;
        }
        Assert.Equal(114, expressions);
        Assert.Empty(differences);
    }

    [Fact]
    public void Protochains_backward_jumps_run_and_loops_are_bounded()
    {
        var program = new BpfProgram(TcpdumpPrograms.Compile("ip6 protochain 17"));
        Assert.False(program.IsLinuxCompatible);
        Assert.Contains("backwards", program.LinuxRejection!.Reason);
        // IPv6, hop-by-hop options (next header UDP), then UDP.
        var frame = new byte[14 + 40 + 8 + 8];
        frame[12] = 0x86; frame[13] = 0xdd; frame[14] = 0x60; frame[20] = 0; // next header: hop-by-hop
        frame[54] = 17; frame[55] = 0;                                      // hop-by-hop: next UDP, length 8
        Assert.NotEqual(0u, program.Run(frame));
        frame[54] = 6;
        Assert.Equal(0u, program.Run(frame));
        // A chain of hop-by-hop headers longer than libpcap's 64 backward jumps ends with 0, never hangs.
        var endless = new byte[14 + 40 + 8 * 100];
        endless[12] = 0x86; endless[13] = 0xdd; endless[14] = 0x60;
        Assert.Equal(0u, program.Run(endless));
    }

    [Fact]
    public void Loads_past_the_captured_bytes_drop_and_len_is_the_wire_length()
    {
        BpfInstruction[] ldLen = [new(0x80, 0, 0, 0), new(0x16, 0, 0, 0)];
        Assert.Equal(1500u, new BpfProgram(ldLen).Run(new byte[60], 1500));
        BpfInstruction[] ldb59 = [BpfInstruction.LoadByteAbsolute(59), BpfInstruction.Return(1)];
        Assert.Equal(1u, new BpfProgram(ldb59).Run(new byte[60], 1500));
        Assert.Equal(0u, new BpfProgram(ldb59).Run(new byte[59], 1500));
        // X + k is not wrapped at 32 bits (the kernel would wrap it to offset 0).
        BpfInstruction[] wrap = [new(0x01, 0, 0, uint.MaxValue), new(0x50, 0, 0, 1), BpfInstruction.Return(1)];
        Assert.Equal(0u, new BpfProgram(wrap).Run(new byte[60]));
        Assert.Equal(1u, new BpfProgram(wrap).RunLinux(new byte[60], LinuxPacketInfo.ForEthernet(new byte[60])));
        // A shift by X of 32 or more is 0 for libpcap, modulo 32 for the kernel.
        BpfInstruction[] shift = [new(0x00, 0, 0, 5), new(0x01, 0, 0, 33), new(0x6c, 0, 0, 0), new(0x16, 0, 0, 0)];
        Assert.Equal(0u, new BpfProgram(shift).Run(new byte[1]));
        Assert.Equal(10u, new BpfProgram(shift).RunLinux(new byte[1], default));
        // Division by a zero X drops.
        BpfInstruction[] div = [new(0x00, 0, 0, 5), new(0x3c, 0, 0, 0), BpfInstruction.Return(1)];
        Assert.Equal(0u, new BpfProgram(div).Run(new byte[1]));
    }
}
