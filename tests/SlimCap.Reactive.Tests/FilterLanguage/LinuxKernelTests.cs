using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.FilterLanguage;

/// <summary>
/// Programs for a Linux socket (<see cref="PcapFilterOptions.LinuxKernel"/>), run with the kernel's semantics: the
/// outer VLAN tag is tested in the kernel's metadata (the kernel strips it) or, failing that, in the frame, as
/// libpcap does on live Linux captures; direction and interface come from the kernel's packet metadata.
/// </summary>
public class LinuxKernelTests
{
    private static readonly PcapFilterOptions Live = new() { LinuxKernel = true };
    private static readonly byte[] Udp4 = Frames.Ipv4Udp(0xc6120001, 0xc6120002, 40000, 53);

    private static uint Run(string expression, byte[] frame, LinuxPacketInfo info)
    {
        BpfProgram program = PcapFilter.Compile(expression, Live);
        Assert.True(program.IsLinuxCompatible, program.LinuxRejection?.Message);
        return program.RunLinux(frame, info);
    }

    [Theory]
    [InlineData("vlan")]
    [InlineData("vlan 100")]
    [InlineData("vlan 100 and udp port 53 and host 198.18.0.2")]
    [InlineData("vlan and ip")]
    public void Vlan_matches_a_tag_the_kernel_stripped_and_a_tag_left_in_the_frame(string expression)
    {
        byte[] stripped = Frames.Ethernet(0x0800, Udp4);
        Assert.NotEqual(0u, Run(expression, stripped, LinuxPacketInfo.ForEthernet(stripped, vlanTci: 100)));
        byte[] inFrame = Frames.Ethernet(0x0800, Udp4, 100);
        Assert.NotEqual(0u, Run(expression, inFrame, LinuxPacketInfo.ForEthernet(inFrame)));
        Assert.Equal(0u, Run(expression, stripped, LinuxPacketInfo.ForEthernet(stripped)));
    }

    [Fact]
    public void Vlan_id_is_read_from_the_kernels_tag()
    {
        byte[] frame = Frames.Ethernet(0x0800, Udp4);
        Assert.Equal(0u, Run("vlan 200", frame, LinuxPacketInfo.ForEthernet(frame, vlanTci: 100)));
        Assert.NotEqual(0u, Run("vlan 200", frame, LinuxPacketInfo.ForEthernet(frame, vlanTci: 0x2000 | 200)));
    }

    [Fact]
    public void Inner_tag_of_stacked_vlans_is_tested_in_the_frame()
    {
        byte[] frame = Frames.Ethernet(0x0800, Udp4, 300);
        Assert.NotEqual(0u, Run("vlan 100 and vlan 300 and udp", frame, LinuxPacketInfo.ForEthernet(frame, vlanTci: 100)));
        Assert.Equal(0u, Run("vlan 100 and vlan 301", frame, LinuxPacketInfo.ForEthernet(frame, vlanTci: 100)));
    }

    [Fact]
    public void Direction_and_interface_come_from_the_kernels_metadata()
    {
        byte[] frame = Frames.Ethernet(0x0800, Udp4);
        Assert.NotEqual(0u, Run("outbound and udp", frame, LinuxPacketInfo.ForEthernet(frame, PacketType.Outgoing)));
        Assert.Equal(0u, Run("inbound", frame, LinuxPacketInfo.ForEthernet(frame, PacketType.Outgoing)));
        Assert.NotEqual(0u, Run("inbound", frame, LinuxPacketInfo.ForEthernet(frame, PacketType.Host)));
        Assert.NotEqual(0u, Run("ifindex 3", frame, LinuxPacketInfo.ForEthernet(frame, interfaceIndex: 3)));
        Assert.Equal(0u, Run("ifindex 4", frame, LinuxPacketInfo.ForEthernet(frame, interfaceIndex: 3)));
    }

    [Fact]
    public void File_programs_never_use_kernel_metadata()
    {
        foreach (string e in new[] { "vlan 100", "vlan and ip", "tcp port 80" })
        {
            BpfProgram p = PcapFilter.Compile(e, LinkType.Ethernet);
            Assert.DoesNotContain(p.Instructions, i => (i.Code & 0xe7) == 0x20 && i.K >= BpfInstruction.AncillaryBase);
        }
    }
}
