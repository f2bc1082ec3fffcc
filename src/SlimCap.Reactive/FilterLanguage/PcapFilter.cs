using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// Compiles pcap-filter expressions (the language of tcpdump and libpcap, pcap-filter(7)) to classic BPF
/// in managed code, keeping exactly the packets libpcap 1.10's programs keep. No native libpcap, no DNS.
/// </summary>
/// <example>
/// <code>
/// BpfProgram program = PcapFilter.Compile("tcp port 80 and host 198.18.0.1", LinkType.Ethernet);
/// Console.WriteLine(program);   // as tcpdump -d prints it
/// </code>
/// </example>
/// <remarks>Thread safety: every method may be called from any number of threads at once.</remarks>
public static class PcapFilter
{
    /// <summary>Compiles <paramref name="expression"/> for packets of <paramref name="linkType"/>.</summary>
    /// <param name="expression">A pcap-filter expression; empty accepts every packet.</param>
    /// <param name="linkType">The link type of the packets (Ethernet, Raw, Ipv4, Ipv6, LinuxSll, LinuxSll2, Null, Loop).</param>
    /// <param name="snapLength">What the program returns for an accepted packet (1 to 262144).</param>
    /// <param name="optimize">Run the optimizer; an expression that can never match is then an error.</param>
    /// <exception cref="FilterSyntaxException">The expression does not parse; the column names the offending token.</exception>
    /// <exception cref="FilterNameException">A name (protocol, port, host) cannot be resolved; hosts are never looked up.</exception>
    /// <exception cref="FilterExpressionException">The expression is refused for another reason (values out of range, link type, rejects all packets).</exception>
    public static BpfProgram Compile(string expression, LinkType linkType, int snapLength = 262144, bool optimize = true)
    {
        if (snapLength is < 1 or > 262144) throw new ArgumentOutOfRangeException(nameof(snapLength), snapLength, "The snapshot length must be 1 to 262144.");
        return Compile(expression, new PcapFilterOptions { LinkType = linkType, SnapLength = (uint)snapLength, Optimize = optimize });
    }

    /// <summary>Compiles <paramref name="expression"/> with <paramref name="options"/>.</summary>
    /// <exception cref="FilterSyntaxException">The expression does not parse; the column names the offending token.</exception>
    /// <exception cref="FilterNameException">A name (protocol, port, host) cannot be resolved; hosts are never looked up.</exception>
    /// <exception cref="FilterExpressionException">The expression is refused for another reason (values out of range, link type, rejects all packets).</exception>
    public static BpfProgram Compile(string expression, PcapFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(options);
        if (options.SnapLength is < 1 or > 262144) throw new ArgumentOutOfRangeException(nameof(options), options.SnapLength, "The snapshot length must be 1 to 262144.");
        BpfInstruction[] code = CompileInstructions(expression, options);
        try
        {
            return new BpfProgram(code);
        }
        catch (InvalidBpfProgramException e)
        {
            throw new FilterExpressionException(expression, 0, $"the compiled program is not accepted by BpfProgram: {e.Message}");
        }
    }

    /// <summary>The compiled instructions, before <see cref="BpfProgram"/>'s checks (tests and tools).</summary>
    internal static BpfInstruction[] CompileInstructions(string expression, PcapFilterOptions options)
    {
        BoolNode? tree = Parser.Parse(expression);
        Block root = CodeGenerator.Generate(expression, tree, options, out bool noOptimize);
        if (options.Optimize)
        {
            root = Optimizer.Optimize(root);
            // libpcap does not optimize programs with jumps inside blocks (protochain, geneve), so it never refuses them.
            if (!noOptimize && root.IsReturn && root.K == 0) throw new FilterExpressionException(expression, 0, "expression rejects all packets");
        }
        return ProgramEmitter.Emit(root);
    }
}
