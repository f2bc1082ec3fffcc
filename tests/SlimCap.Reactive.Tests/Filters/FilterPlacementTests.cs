using System.Reactive.Linq;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Filters;

/// <summary>
/// A program filters every non-kernel source exactly as libpcap filters a file: the capture-file option, the
/// block-stream operator (a view, fused with the other view operators) and the await-foreach operator each keep
/// exactly the ground truth's records.
/// </summary>
public sealed class FilterPlacementTests
{
    /// <summary>One expression per category of tests/data/filters, protochain's backward jumps included.</summary>
    private static readonly string[] Ids = ["arith-11", "boolean-05", "encap-07", "ether-03", "host-04", "icmp-02", "mcast-05", "net-03", "port-01", "proto-09", "proto-10", "tcpflags-01"];

    private static IEnumerable<(string Id, BpfProgram Program)> Programs()
    {
        var expressions = FilterGroundTruth.Expressions().ToDictionary(e => e.Id, e => e.Expression);
        return Ids.Select(id => (id, new BpfProgram(TcpdumpPrograms.Compile(expressions[id]))));
    }

    private static string PathOf(string file) => Corpus.PathOf("files", file);

    private static FileRecordCopy Copy(in PacketRef p) =>
        new(p.TimestampNanoseconds, p.TimestampCarrySeconds, p.CapturedLength, p.TotalLength, p.LinkType, p.Type, p.Data.ToArray());

    [Fact]
    public void The_file_option_keeps_the_ground_truth_in_every_read_style()
    {
        var differences = new List<string>();
        foreach ((string id, BpfProgram program) in Programs())
        {
            var options = new CaptureFileOptions { BpfFilter = program, BlockSize = 4096 };
            foreach ((string file, _) in FilterGroundTruth.Records)
            {
                (int, string) expected = FilterGroundTruth.Detail.TryGetValue((id, file), out var e) ? e : (0, "d41d8cd98f00b204e9800998ecf8427e");
                (List<FileRecordCopy> packets, Exception? error) = FileRecords.Read(() => CaptureFileSource.Open(PathOf(file), options));
                Assert.Null(error);
                var blocks = new List<FileRecordCopy>();
                using (var source = CaptureFileSource.Open(PathOf(file), options))
                {
                    while (source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
                    {
                        using (block)
                        {
                            Assert.True(block!.PacketCount > 0, "a block the filter emptied was handed out");
                            foreach (PacketRef p in block) blocks.Add(Copy(p));
                        }
                    }
                }
                (int, string) byPacket = FilterGroundTruth.Digest(packets, _ => true), byBlock = FilterGroundTruth.Digest(blocks, _ => true);
                if (byPacket != expected || byBlock != expected) differences.Add($"{id} {file}: libpcap {expected}, packets {byPacket}, blocks {byBlock}");
            }
        }
        Assert.Empty(differences);
    }

    [Fact]
    public async Task The_operators_keep_the_ground_truth_and_fuse_with_the_other_view_operators()
    {
        var differences = new List<string>();
        foreach ((string id, BpfProgram program) in Programs().Take(6))
        {
            foreach ((string file, List<FileRecordCopy> all) in FilterGroundTruth.Records.Where(r => r.Records.Count > 0).Take(80))
            {
                (int, string) expected = FilterGroundTruth.Detail.TryGetValue((id, file), out var e) ? e : (0, "d41d8cd98f00b204e9800998ecf8427e");
                var rx = new List<FileRecordCopy>();
                await CaptureObservable.Create(() => CaptureFileSource.Open(PathOf(file), new CaptureFileOptions { BlockSize = 4096 }))
                    .WherePacketType(PacketTypes.All).WhereBpf(program).SampleEvery(1)
                    .Do(block => { using (block) foreach (PacketRef p in block) rx.Add(Copy(p)); })
                    .DefaultIfEmpty().LastAsync();
                var async = new List<FileRecordCopy>();
                using (var source = CaptureFileSource.Open(PathOf(file)))
                    await foreach (PacketRef p in source.ReadAllAsync(TestContext.Current.CancellationToken).WhereBpf(program).ConfigureAwait(false))
                        async.Add(Copy(p));
                (int, string) byRx = FilterGroundTruth.Digest(rx, _ => true), byAsync = FilterGroundTruth.Digest(async, _ => true);
                if (byRx != expected || byAsync != expected) differences.Add($"{id} {file}: libpcap {expected}, Rx {byRx}, await foreach {byAsync}");
            }
        }
        Assert.Empty(differences);

        // Fused: type filter, program and sampler are one stage (one walk per block), not three.
        IObservable<PacketBlock> chain = Observable.Never<PacketBlock>().WherePacketType(PacketTypes.Host).WhereBpf(Programs().First().Program).SampleEvery(2);
        Assert.StartsWith("RestrictObservable", chain.GetType().Name);
        Type selector = chain.GetType().GetGenericArguments().Single();
        Assert.Equal("ChainSelector`2", selector.Name);
        Assert.Equal(["ChainSelector`2", "EveryNthSelector"], selector.GetGenericArguments().Select(t => t.Name));
        Assert.Equal(["TypeSelector", "BpfSelector"], selector.GetGenericArguments()[0].GetGenericArguments().Select(t => t.Name));
    }

    [Fact]
    public void The_file_options_expression_is_compiled_for_the_files_link_type_and_keeps_the_ground_truth()
    {
        var expressions = FilterGroundTruth.Expressions().ToDictionary(e => e.Id, e => e.Expression);
        var differences = new List<string>();
        foreach (string id in Ids)
        {
            var options = new CaptureFileOptions { Filter = expressions[id] };
            foreach ((string file, _) in FilterGroundTruth.Records)
            {
                (int, string) expected = FilterGroundTruth.Detail.TryGetValue((id, file), out var e) ? e : (0, "d41d8cd98f00b204e9800998ecf8427e");
                (List<FileRecordCopy> packets, Exception? error) = FileRecords.Read(() => CaptureFileSource.Open(PathOf(file), options));
                Assert.Null(error);
                if (FilterGroundTruth.Digest(packets, _ => true) != expected) differences.Add($"{id} {file}");
            }
        }
        Assert.Empty(differences);

        string any = FilterGroundTruth.Records[0].File;
        var syntax = Assert.Throws<SlimCap.Reactive.FilterLanguage.FilterSyntaxException>(() => CaptureFileSource.Open(PathOf(any), new CaptureFileOptions { Filter = "tcp port" }));
        Assert.True(syntax.Column > 0);
        Assert.Throws<InvalidCaptureOptionException>(() => CaptureFileSource.Open(PathOf(any), new CaptureFileOptions { Filter = "tcp", BpfFilter = BpfProgram.AcceptAll(1) }));
    }

    [Fact]
    public void The_operators_check_their_arguments_when_applied()
    {
        var backward = new BpfProgram([BpfInstruction.LoadByteAbsolute(0), new(0x05, 0, 0, 0xfffffffe), BpfInstruction.Return(1)]);
        Assert.Throws<ArgumentNullException>(() => Observable.Never<PacketBlock>().WhereBpf(null!));
        Assert.Throws<InvalidBpfProgramException>(() => Observable.Never<PacketBlock>().WhereBpf(backward, BpfDialect.Linux));
        Assert.Throws<InvalidBpfProgramException>(() => AsyncEnumerable.Empty<PacketRef>().WhereBpf(backward, BpfDialect.Linux));
        Assert.NotNull(Observable.Never<PacketBlock>().WhereBpf(backward));
        Assert.Throws<ArgumentOutOfRangeException>(() => Observable.Never<PacketBlock>().WhereBpf(backward, (BpfDialect)7));
    }
}
