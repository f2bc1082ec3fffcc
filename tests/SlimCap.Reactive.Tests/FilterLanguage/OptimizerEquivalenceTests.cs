using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.FilterLanguage;

/// <summary>
/// The optimizer never changes a verdict: for every valid expression of the set (and a few extra ones that
/// exercise dead loads and constant folding), the optimized and unoptimized programs return the same value on
/// every corpus record and on 100,000 seeded random and mutated frames.
/// </summary>
public class OptimizerEquivalenceTests
{
    private static readonly string[] Extra =
    [
        "ip[100] & 0 = 0", "net 0.0.0.0/0", "ip[0] * 0 = 0 or tcp", "len - len = 0", "ip[2:2] - ip[2:2] = 0 and udp",
        "tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn", "ip[0] / (ip[1] - ip[1]) = 0", "not (udp and udp port 53)",
        "ether[0] & 1 != 0 and not ether broadcast", "(ip[9] = 6 or ip[9] = 17) and ip[6:2] & 0x1fff = 0",
        "byte 12 & 8", "vlan and vlan and ip", "mpls and mpls 5 and ip", "pppoes and ip6", "ip6 protochain 44 or tcp",
    ];

    public static TheoryData<string> Expressions() =>
        [.. FilterData.Expressions.Where(e => e.Valid).Select(e => e.Expression).Concat(Extra)];

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Optimized_and_unoptimized_programs_agree_on_every_frame(string expression)
    {
        BpfProgram optimized = PcapFilter.Compile(expression, LinkType.Ethernet);
        BpfProgram plain = PcapFilter.Compile(expression, LinkType.Ethernet, optimize: false);
        foreach ((byte[] data, uint wire) in RandomFrames.Shared)
        {
            uint a = optimized.Run(data, wire), b = plain.Run(data, wire);
            if (a != b)
                Assert.Fail($"'{expression}': optimized {a}, unoptimized {b} on {data.Length} bytes (wire {wire}): {Convert.ToHexString(data)}\noptimized:\n{optimized}\nunoptimized:\n{plain}");
        }
    }
}
