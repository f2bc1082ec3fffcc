using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Filters;

/// <summary>slimcap's automatic filters, instruction by instruction, and run over sample frames.</summary>
public sealed class AutoFilterTests
{
    private static (ushort, byte, byte, uint)[] Raw(BpfProgram p) => p.Instructions.Select(i => (i.Code, i.JumpTrue, i.JumpFalse, i.K)).ToArray();

    [Fact]
    public void Ethernet_program_matches_slimcap_instruction_by_instruction()
    {
        var program = AutoFilter.Build(AutoFilterKind.Ethernet, 128);
        Assert.Equal(new (ushort, byte, byte, uint)[]
        {
            (0x28, 0, 0, 0x0c), (0x15, 5, 0, 0x0800), (0x15, 4, 0, 0x86dd), (0x15, 0, 4, 0x8864),
            (0x28, 0, 0, 0x14), (0x15, 1, 0, 0x21), (0x15, 0, 1, 0x57), (0x06, 0, 0, 128), (0x06, 0, 0, 0),
        }, Raw(program));
    }

    [Fact]
    public void Ethernet_program_with_vlan_check_and_extra_instructions()
    {
        BpfInstruction[] extra = [BpfInstruction.LoadByteAbsolute(23), BpfInstruction.JumpIfEqual(17, 0, 1)];
        var program = AutoFilter.Build(AutoFilterKind.Ethernet, 0, ignoreVlans: true, extra);
        Assert.Equal(new (ushort, byte, byte, uint)[]
        {
            (0x20, 0, 0, 0xfffff02c), (0x15, 0, 10, 0),
            (0x28, 0, 0, 0x0c), (0x15, 5, 0, 0x0800), (0x15, 4, 0, 0x86dd), (0x15, 0, 6, 0x8864),
            (0x28, 0, 0, 0x14), (0x15, 1, 0, 0x21), (0x15, 0, 3, 0x57),
            (0x30, 0, 0, 23), (0x15, 0, 1, 17),
            (0x06, 0, 0, 262144), (0x06, 0, 0, 0),
        }, Raw(program));
    }

    [Fact]
    public void Loopback_and_raw_programs_match_slimcap()
    {
        Assert.Equal(new (ushort, byte, byte, uint)[]
        {
            (0x28, 0, 0, 0x0c), (0x15, 1, 0, 0x0800), (0x15, 0, 1, 0x86dd), (0x06, 0, 0, 96), (0x06, 0, 0, 0),
        }, Raw(AutoFilter.Build(AutoFilterKind.Loopback, 96)));
        Assert.Equal(new (ushort, byte, byte, uint)[]
        {
            (0x30, 0, 0, 0), (0x54, 0, 0, 0xf0), (0x15, 1, 0, 0x40), (0x15, 0, 1, 0x60), (0x06, 0, 0, 64), (0x06, 0, 0, 0),
        }, Raw(AutoFilter.Build(AutoFilterKind.RawIp, 64)));
    }

    [Fact]
    public void Unknown_link_types_get_a_typed_error_not_a_panic()
    {
        var error = Assert.Throws<InvalidCaptureOptionException>(() => AutoFilter.Build(AutoFilterKind.None, 0));
        Assert.Equal("AutoBpfFilter", error.OptionName);
    }

    private static byte[] Ipv6Frame()
    {
        var f = new byte[14 + 40 + 8];
        f[12] = 0x86; f[13] = 0xdd; f[14] = 0x60;
        return f;
    }

    private static byte[] Pppoe(ushort pppProtocol)
    {
        var f = new byte[14 + 8 + 20];
        f[12] = 0x88; f[13] = 0x64;
        f[20] = (byte)(pppProtocol >> 8); f[21] = (byte)pppProtocol;
        return f;
    }

    [Fact]
    public void Ethernet_program_accepts_ip_and_pppoe_ip_and_drops_the_rest()
    {
        var program = AutoFilter.Build(AutoFilterKind.Ethernet, 100);
        byte[] arp = Frames.Udp(1);
        arp[12] = 0x08; arp[13] = 0x06;
        Assert.Equal(100u, program.Run(Frames.Udp(1)));
        Assert.Equal(100u, program.Run(Ipv6Frame()));
        Assert.Equal(100u, program.Run(Pppoe(0x0021)));
        Assert.Equal(100u, program.Run(Pppoe(0x0057)));
        Assert.Equal(0u, program.Run(Pppoe(0xc021))); // PPP LCP
        Assert.Equal(0u, program.Run(arp));
        Assert.Equal(0u, program.Run(new byte[10])); // too short to hold an ethertype
    }

    [Fact]
    public void Ignore_vlans_drops_tagged_frames_by_their_stripped_tag()
    {
        var program = AutoFilter.Build(AutoFilterKind.Ethernet, 0, ignoreVlans: true);
        Assert.Equal(0u, program.Run(Frames.Udp(1))); // libpcap's bpf_filter knows no ancillary loads on files
        Assert.Equal(262144u, program.RunLinux(Frames.Udp(1), LinuxPacketInfo.ForEthernet(Frames.Udp(1))));
        Assert.Equal(0u, program.RunLinux(Frames.Udp(1), LinuxPacketInfo.ForEthernet(Frames.Udp(1), vlanTci: 100)));
    }

    [Fact]
    public void Extra_instructions_run_before_the_accept()
    {
        // Keep only UDP: protocol byte at 14 + 9.
        BpfInstruction[] extra = [BpfInstruction.LoadByteAbsolute(23), BpfInstruction.JumpIfEqual(17, 0, 1)];
        var program = AutoFilter.Build(AutoFilterKind.Ethernet, 64, extra: extra);
        byte[] tcp = Frames.Udp(1);
        tcp[23] = 6;
        Assert.Equal(64u, program.Run(Frames.Udp(1)));
        Assert.Equal(0u, program.Run(tcp));
    }

    [Fact]
    public void Raw_program_checks_the_ip_version_nibble()
    {
        var program = AutoFilter.Build(AutoFilterKind.RawIp, 0);
        Assert.Equal(262144u, program.Run([0x45, 0, 0, 20]));
        Assert.Equal(262144u, program.Run([0x60, 0, 0, 0]));
        Assert.Equal(0u, program.Run([0x10, 0, 0, 0]));
        Assert.Equal(0u, program.Run([]));
    }

    [Fact]
    public void Bad_extra_instructions_are_named_by_their_index_in_the_callers_list()
    {
        BpfInstruction[] extra = [BpfInstruction.LoadByteAbsolute(23), new(0x34, 0, 0, 0)]; // div #0
        var error = Assert.Throws<InvalidBpfProgramException>(() => AutoFilter.Build(AutoFilterKind.Ethernet, 64, ignoreVlans: true, extra));
        Assert.Equal(1, error.InstructionIndex);
        Assert.Equal("ExtraBpfInstructions", error.Location);
        Assert.Contains("ExtraBpfInstructions instruction 1", error.Message);
        Assert.Contains("division by constant 0", error.Message);
        // A jump out of the extra instructions past both returns.
        error = Assert.Throws<InvalidBpfProgramException>(() => AutoFilter.Build(AutoFilterKind.Loopback, 64, extra: [BpfInstruction.JumpIfEqual(1, 2, 0)]));
        Assert.Equal(0, error.InstructionIndex);
        Assert.Contains("past the end", error.Reason);
    }

    [Theory]
    [InlineData(14, 34, 48)]
    [InlineData(0, 20, 20)]
    [InlineData(20, 54, 74)]
    public void Capture_length_strategies_follow_the_link_offset(int offset, int beyond, int expected)
    {
        var strategy = beyond switch { 20 => CaptureLength.MinimalIPv4Header, 34 => CaptureLength.MinimalIPv4Transport, _ => CaptureLength.MinimalIPv6Transport };
        Assert.Equal(expected, strategy.Resolve(offset));
        Assert.Equal(54, CaptureLength.MinimalIPv6Header.Resolve(14));
        Assert.Throws<InvalidCaptureOptionException>(() => strategy.Resolve(LinkTypeInfo.UnknownOffset));
        Assert.Equal(1500, CaptureLength.Fixed(1500).Resolve(LinkTypeInfo.UnknownOffset));
    }
}
