using SlimCap.Reactive.Errors;
using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.FilterLanguage;

/// <summary>
/// The three text forms of a program are tcpdump's: libpcap's own program printed by us equals <c>tcpdump -d</c>,
/// <c>-dd</c> and <c>-ddd</c> byte for byte; <c>-ddd</c> text parses back into the same program; and our unoptimized
/// code generation is libpcap's, instruction for instruction.
/// </summary>
public class ProgramTextTests
{
    public static TheoryData<string> ValidIds() => [.. FilterData.Expressions.Where(e => e.Valid).Select(e => e.Id)];

    [Theory]
    [MemberData(nameof(ValidIds))]
    public void Listing_of_libpcaps_program_is_tcpdumps(string id)
    {
        TcpdumpCompiler.SkipUnlessInstalled();
        FilterExpression e = FilterData.Get(id);
        BpfProgram libpcap = LibpcapPrograms.All[id].Optimized;
        Assert.Equal(TcpdumpCompiler.Compile(e.Expression, "-d").Output, libpcap.ToString());
    }

    [Theory]
    [InlineData("tcp port 22")]
    [InlineData("ip6 protochain 17")]
    [InlineData("len > 0 and -len > 0xfffff000")]
    [InlineData("vlan 100 or arp")]
    public void C_array_and_decimal_forms_are_tcpdumps(string expression)
    {
        TcpdumpCompiler.SkipUnlessInstalled();
        BpfProgram libpcap = BpfProgram.ParseDecimal(TcpdumpCompiler.Compile(expression, "-ddd").Output);
        Assert.Equal(TcpdumpCompiler.Compile(expression, "-dd").Output, libpcap.ToString(BpfTextFormat.CArray));
        Assert.Equal(TcpdumpCompiler.Compile(expression, "-ddd").Output, libpcap.ToString(BpfTextFormat.Decimal));
    }

    [Theory]
    [MemberData(nameof(ValidIds))]
    public void Decimal_text_parses_back_into_the_program(string id)
    {
        BpfProgram ours = PcapFilter.Compile(FilterData.Get(id).Expression, LinkType.Ethernet);
        BpfProgram back = BpfProgram.ParseDecimal(ours.ToString(BpfTextFormat.Decimal));
        Assert.Equal(ours.Instructions, back.Instructions);
        Assert.Equal(ours.ToString(), back.ToString());
    }

    [Theory]
    [InlineData("", 1, "no instruction count")]
    [InlineData("x\n", 1, "expected the instruction count")]
    [InlineData("2\n6 0 0 1\n", 2, "the count line says 2 instructions, the text has 1")]
    [InlineData("1\n6 0 0\n", 2, "expected 'code jt jf k'")]
    [InlineData("1\n6 0 256 1\n", 2, "jf '256' is not a number from 0 to 255")]
    [InlineData("1\n6 0 0 4294967296\n", 2, "k '4294967296' is not a number")]
    [InlineData("1\n6 0 0 1\n6 0 0 1\n", 3, "more instructions than the count line's 1")]
    public void Bad_decimal_text_names_the_line(string text, int line, string problem)
    {
        var error = Assert.Throws<BpfTextException>(() => BpfProgram.ParseDecimal(text));
        Assert.Equal(line, error.Line);
        Assert.StartsWith(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Decimal_text_of_a_program_libpcap_refuses_is_refused_by_its_checker()
    {
        var error = Assert.Throws<InvalidBpfProgramException>(() => BpfProgram.ParseDecimal("1\n21 0 0 1\n"));
        Assert.Equal(BpfDialect.Libpcap, error.Checker);
    }

    [Theory]
    [MemberData(nameof(ValidIds))]
    public void Unoptimized_code_is_libpcaps_instruction_for_instruction(string id)
    {
        FilterExpression e = FilterData.Get(id);
        if (LibpcapQuirks.FullyMaskedAddressWord(e.Expression)) Assert.Skip("a fully masked address word is not loaded (libpcap loads it unoptimized and drops it optimized)");
        BpfProgram ours = PcapFilter.Compile(e.Expression, LinkType.Ethernet, optimize: false);
        Assert.Equal(LibpcapPrograms.All[id].Unoptimized.ToString(), ours.ToString());
    }
}
