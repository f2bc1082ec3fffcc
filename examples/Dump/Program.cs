using System.CommandLine;
using Dump;
using SlimCap.Reactive;

// slimcap's dump example in C#: capture COUNT packets and print them, using the three read
// styles in turn (a new packet, into a reused buffer, a zero-copy callback) unless one is chosen.
var device = new Option<string>("--device", "-d") { Description = "Interface to capture on.", DefaultValueFactory = _ => "lo" };
var count = new Option<int>("--count", "-n") { Description = "Packets to capture.", DefaultValueFactory = _ => 10 };
var style = new Option<string>("--style") { Description = "Read style: all (rotate), new, buffer, zerocopy, callback.", DefaultValueFactory = _ => "all" };
var useSocket = new Option<bool>("--socket") { Description = "Use the plain socket source (recvmmsg batches, no ring) instead of the TPACKET_V3 ring." };
var promiscuous = new Option<bool>("--promisc", "-p") { Description = "Enable promiscuous mode." };
var snapLength = new Option<int>("--snaplen", "-s") { Description = "Capture length in bytes.", DefaultValueFactory = _ => 262144 };
var timeout = new Option<double>("--timeout", "-t") { Description = "Give up after this many seconds.", DefaultValueFactory = _ => 10 };
var noTraffic = new Option<bool>("--no-traffic") { Description = "On loopback, do not send the demo UDP datagrams to 127.0.0.1." };
var read = new Option<string?>("--read", "-r") { Description = "Read packets from this capture file (pcap, pcapng, gzip; '-' for stdin) instead of an interface." };
var fanout = new Option<int>("--fanout") { Description = "Capture with N rings in one PACKET_FANOUT group (flow hash), one capture thread each; with -w all members go to one file." };
var compile = new Option<bool>("--compile") { Description = "Print the program the filter expression compiles to, as tcpdump -d does (for -r FILE's link type, else the interface's, as a Linux socket filter), and exit." };
var ddd = new Option<bool>("--ddd") { Description = "With --compile: print it as tcpdump -ddd does (a count line, then 'code jt jf k' per instruction)." };
var expression = new Argument<string[]>("EXPR") { Description = "A pcap-filter expression (tcpdump's language), as one argument or several words.", Arity = ArgumentArity.ZeroOrMore };
var write = new Option<string?>("--write", "-w") { Description = "Also write the packets shown to this file: pcapng when it ends in .pcapng, else nanosecond pcap." };

var root = new RootCommand("Capture packets with SlimCap.Reactive and print them. With no arguments: capture 10 packets on loopback while sending a few UDP datagrams to 127.0.0.1.")
{
    device, count, style, useSocket, promiscuous, snapLength, timeout, noTraffic, read, write, fanout, compile, ddd, expression,
};
root.SetAction(result =>
{
    string[] words = result.GetValue(expression) ?? [];
    string? filter = words.Length == 0 ? null : string.Join(' ', words);
    var settings = new DumpSettings(
        result.GetValue(device)!, result.GetValue(count), result.GetValue(style)!, result.GetValue(useSocket),
        result.GetValue(promiscuous), result.GetValue(snapLength), result.GetValue(timeout), result.GetValue(noTraffic),
        result.GetValue(read), result.GetValue(write), result.GetValue(fanout), filter);
    return result.GetValue(compile) ? FilterCompile.Run(settings, result.GetValue(ddd)) : DumpCommand.Run(settings);
});
// Signals are DumpCommand's own (they close the source), so System.CommandLine must not hold the process for 2 s.
return root.Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
