using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.FilterLanguage;

/// <summary>
/// 10,000 seeded random expressions from the grammar, compiled by us and by the system's libpcap: both accept or
/// both refuse; where both accept, the programs give the same verdict on a sample of corpus records and random
/// frames (wherever libpcap's optimized and unoptimized programs agree with each other), and our unoptimized code is
/// libpcap's instruction for instruction (unless an address word is fully masked). One difference is
/// allowed: our optimizer proves some expressions can never match where libpcap's does not (for example
/// <c>tcp and atalk or not 1 = 1</c>), so we refuse them with "expression rejects all packets" while libpcap
/// compiles a program that keeps nothing; the test checks that libpcap's program keeps no sampled frame.
/// </summary>
public class FuzzTests
{
    private const int Expressions = 10_000;
    private const int FramesPerExpression = 120;

    [Fact]
    public void Random_expressions_are_accepted_and_filtered_as_libpcap_does()
    {
        NativeLibpcap.SkipUnlessAvailable();
        var fuzzer = new ExpressionFuzzer(7);
        var gen = new RandomFrames(99);
        var corpus = FilterData.AllRecords.ToList();
        var frames = new List<(byte[] Data, uint Wire)>();
        for (int i = 0; i < FramesPerExpression; i++) frames.Add(i % 2 == 0 ? (corpus[i * 29 % corpus.Count].Data, corpus[i * 29 % corpus.Count].WireLength) : gen.Next(corpus));
        var mismatches = new List<string>();
        int accepted = 0, refused = 0, sameMessage = 0, provedEmpty = 0;
        for (int n = 0; n < Expressions && mismatches.Count < 20; n++)
        {
            string expression = fuzzer.Next();
            (BpfInstruction[]? theirs, string? theirError) = NativeLibpcap.Compile(expression);
            BpfProgram? ours = null;
            string? ourError = null;
            try
            {
                ours = PcapFilter.Compile(expression, LinkType.Ethernet);
            }
            catch (FilterExpressionException e)
            {
                ourError = e.Reason;
            }
            if (ours is null && theirs is not null && ourError == "expression rejects all packets")
            {
                var never = new BpfProgram(theirs);
                if (frames.Any(f => never.Run(f.Data, f.Wire) != 0))
                    mismatches.Add($"'{expression}': ours refuses as matching nothing, but libpcap's program keeps a frame");
                provedEmpty++;
                continue;
            }
            if ((ours is null) != (theirs is null))
            {
                mismatches.Add($"'{expression}': ours {(ours is null ? "refuses: " + ourError : "accepts")}, libpcap {(theirs is null ? "refuses: " + theirError : "accepts")}");
                continue;
            }
            if (ours is null)
            {
                refused++;
                if (ourError == theirError) sameMessage++;
                continue;
            }
            accepted++;
            var lo = new BpfProgram(theirs!);
            var lu = new BpfProgram(NativeLibpcap.Compile(expression, optimize: false).Program!);
            if (!LibpcapQuirks.FullyMaskedAddressWord(expression))
            {
                BpfProgram plain = PcapFilter.Compile(expression, LinkType.Ethernet, optimize: false);
                if (!plain.Instructions.SequenceEqual(lu.Instructions))
                {
                    mismatches.Add($"'{expression}': unoptimized code differs from libpcap's\nours:\n{plain}\nlibpcap:\n{lu}");
                    continue;
                }
            }
            foreach ((byte[] data, uint wire) in frames)
            {
                uint v = ours.Run(data, wire), a = lo.Run(data, wire), b = lu.Run(data, wire);
                if (a == b ? v != a : v != a && v != b)
                {
                    mismatches.Add($"'{expression}': ours {v}, libpcap {a} (unoptimized {b}) on {Convert.ToHexString(data)} wire {wire}");
                    break;
                }
            }
        }
        TestContext.Current.SendDiagnosticMessage($"fuzz: {accepted} accepted by both, {refused} refused by both ({sameMessage} with libpcap's exact message), {provedEmpty} proved never to match by us only");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.True(accepted > Expressions / 4 && refused > Expressions / 20, $"the fuzzer should exercise both outcomes: {accepted} accepted, {refused} refused");
    }
}
