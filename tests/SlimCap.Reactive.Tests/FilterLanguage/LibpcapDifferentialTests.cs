using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.FilterLanguage;

/// <summary>
/// Our programs against libpcap's own (libpcap-programs.tsv), all run by BpfProgram's libpcap interpreter over
/// the corpus records and 100,000 seeded random frames: the same verdict wherever libpcap's optimized and
/// unoptimized programs agree with each other. Where they do not (libpcap's optimizer drops or reorders a
/// load whose bounds check decides the verdict), ours gives one of libpcap's two answers. Program sizes: no
/// more than libpcap's in total, and at most 10 % more for any expression whose libpcap program keeps its
/// unoptimized verdicts.
/// </summary>
public class LibpcapDifferentialTests
{
    public static TheoryData<string> ValidIds() => [.. FilterData.Expressions.Where(e => e.Valid).Select(e => e.Id)];

    /// <summary>Whether libpcap's optimizer changed a verdict of its own unoptimized program on some frame of the set.</summary>
    private static bool LibpcapOptimizerChangesVerdicts(string id)
    {
        (BpfProgram opt, BpfProgram plain) = LibpcapPrograms.All[id];
        return RandomFrames.Shared.Any(f => opt.Run(f.Data, f.Wire) != plain.Run(f.Data, f.Wire));
    }

    [Theory]
    [MemberData(nameof(ValidIds))]
    public void Verdicts_agree_with_libpcaps_program(string id)
    {
        FilterExpression e = FilterData.Get(id);
        BpfProgram ours = PcapFilter.Compile(e.Expression, LinkType.Ethernet);
        (BpfProgram opt, BpfProgram plain) = LibpcapPrograms.All[id];
        int fromUnoptimized = 0;
        foreach ((byte[] data, uint wire) in RandomFrames.Shared)
        {
            uint v = ours.Run(data, wire), lo = opt.Run(data, wire);
            if (v == lo) continue;
            // Allowed only where libpcap's optimizer changed its own verdict, and then ours must be the unoptimized one.
            uint lu = plain.Run(data, wire);
            if (lo != lu && v == lu)
            {
                fromUnoptimized++;
                continue;
            }
            Assert.Fail($"{id} '{e.Expression}': ours {v}, libpcap {lo} (unoptimized {lu}) on {data.Length} bytes (wire {wire}): {Convert.ToHexString(data)}\nours:\n{ours}\nlibpcap:\n{opt}");
        }
        TestContext.Current.SendDiagnosticMessage($"{id}: {fromUnoptimized} frames where libpcap's optimizer changed its own verdict and ours is its unoptimized one");
    }

    [Fact]
    public void Program_sizes_are_no_larger_than_libpcaps()
    {
        int ours = 0, theirs = 0;
        var over = new List<string>();
        var excused = new List<string>();
        foreach (FilterExpression e in FilterData.Expressions.Where(e => e.Valid))
        {
            int n = PcapFilter.Compile(e.Expression, LinkType.Ethernet).Length;
            (BpfProgram opt, BpfProgram plain) = LibpcapPrograms.All[e.Id];
            ours += n;
            theirs += opt.Length;
            Assert.True(n <= plain.Length, $"{e.Id} '{e.Expression}': {n} instructions, more than libpcap's unoptimized {plain.Length}");
            if (n * 10 <= opt.Length * 11) continue;
            if (LibpcapOptimizerChangesVerdicts(e.Id)) excused.Add($"{e.Id} {n}/{opt.Length}");
            else over.Add($"{e.Id} '{e.Expression}': {n} instructions, libpcap {opt.Length}");
        }
        TestContext.Current.SendDiagnosticMessage($"instructions: ours {ours}, libpcap {theirs}; above 10 % only where libpcap's optimizer changes verdicts: {string.Join(", ", excused)}");
        Assert.True(ours <= theirs, $"ours {ours} instructions in total, libpcap {theirs}");
        Assert.True(over.Count == 0, "more than 10 % above libpcap:\n" + string.Join("\n", over));
    }
}
