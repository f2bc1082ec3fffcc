using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Fanout;

/// <summary>Fan-out groups on the real kernel, on a veth pair between two test namespaces: where each frame lands, per mode.</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class FanoutGroupCaptureTests
{
    /// <summary>Frames of many flows with lengths of both parities (the program modes pick by length), sequence-numbered.</summary>
    internal static byte[][] MixedFrames(int count) =>
        Enumerable.Range(0, count).Select(i => Frames.Udp(i, 64 + i % 97, sourcePort: (ushort)(1024 + i % 61), destinationPort: (ushort)(9000 + i % 7))).ToArray();

    public static TheoryData<string> Modes() => ["Hash", "Hash+Defrag", "Hash+RolloverWhenFull", "LoadBalance", "Cpu", "QueueMapping", "Random", "Rollover", "Cbpf", "Ebpf"];

    private static FanoutGroupOptions ModeOptions(string mode, EbpfSocketFilter? ebpf) => mode switch
    {
        "Hash" => new() { Mode = FanoutMode.Hash },
        "Hash+Defrag" => new() { Mode = FanoutMode.Hash, Defrag = true },
        "Hash+RolloverWhenFull" => new() { Mode = FanoutMode.Hash, RolloverWhenFull = true },
        "LoadBalance" => new() { Mode = FanoutMode.LoadBalance },
        "Cpu" => new() { Mode = FanoutMode.Cpu },
        "QueueMapping" => new() { Mode = FanoutMode.QueueMapping },
        "Random" => new() { Mode = FanoutMode.Random },
        "Rollover" => new() { Mode = FanoutMode.Rollover },
        // ld len; ret a: the member is the length (from the network header) modulo the member count.
        "Cbpf" => new() { Mode = FanoutMode.Cbpf, ClassicProgram = new BpfProgram([new BpfInstruction(0x80, 0, 0, 0), new BpfInstruction(0x16, 0, 0, 0)]) },
        "Ebpf" => new() { Mode = FanoutMode.Ebpf, ExtendedProgramFd = ebpf!.Fd },
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Every_frame_is_captured_exactly_once_across_the_members(string mode)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using EbpfSocketFilter? ebpf = mode == "Ebpf" ? EbpfSocketFilter.LengthModulo() : null;
        const int count = 3000, members = 2;
        using FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, members, FanoutRings.Options(ModeOptions(mode, ebpf))));
        using var collector = new GroupCollector(group, count);
        byte[][] sent = MixedFrames(count);
        net.InjectFromPeer(sent);
        List<MemberFrame> frames = collector.Wait();

        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), frames.Select(f => f.Sequence).Order());
        Assert.All(frames, f => Assert.InRange(f.Member, 0, members - 1));
        // Each member's frames come in the order they were sent: the merge keeps order within a member.
        foreach (var member in frames.GroupBy(f => f.Member))
            Assert.Equal(member.Select(f => f.Sequence).Order(), member.Select(f => f.Sequence));
        CaptureStats stats = group.Stats;
        Assert.Equal(count, stats.PacketsReceived);
        Assert.Equal(0, stats.PacketsDropped);
        Assert.Equal(stats.PacketsReceived, Enumerable.Range(0, members).Sum(m => group.GetMemberStats(m).PacketsReceived));
        if (mode is "Cbpf" or "Ebpf")
        {
            // The program chose: every frame sits in the member its length picks (the network-layer length has the frame's parity).
            Assert.All(frames, f => Assert.Equal(f.Length % members, f.Member));
        }
        if (mode == "LoadBalance")
        {
            int[] per = Enumerable.Range(0, members).Select(m => frames.Count(f => f.Member == m)).ToArray();
            Assert.InRange(per[0] - per[1], -1, 1); // round robin, packet by packet
        }
        if (mode == "Rollover")
            Assert.All(frames, f => Assert.Equal(frames[0].Member, f.Member)); // a member with room keeps every packet
    }

    [Fact]
    public void Hash_keeps_both_directions_of_every_flow_in_one_member_and_spreads_the_flows()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int flows = 128, perDirection = 6, members = 3;
        var sent = new List<byte[]>();
        var flowOf = new Dictionary<long, int>();
        long sequence = 0;
        for (int round = 0; round < perDirection; round++)
        {
            for (int flow = 0; flow < flows; flow++)
            {
                byte[] a = [198, 18, (byte)(flow >> 8), (byte)(1 + flow % 250)];
                byte[] b = [198, 19, (byte)(flow % 7), (byte)(2 + flow % 200)];
                ushort pa = (ushort)(1024 + flow * 13), pb = (ushort)(8000 + flow % 50);
                flowOf[sequence] = flow;
                sent.Add(Frames.Udp(sequence++, 80, sourcePort: pa, destinationPort: pb, sourceIp: a, destinationIp: b));
                flowOf[sequence] = flow;
                sent.Add(Frames.Udp(sequence++, 80, sourcePort: pb, destinationPort: pa, sourceIp: b, destinationIp: a));
            }
        }
        using FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, members, FanoutRings.Options(new FanoutGroupOptions { Mode = FanoutMode.Hash })));
        using var collector = new GroupCollector(group, sent.Count);
        net.InjectFromPeer(sent);
        List<MemberFrame> frames = collector.Wait();

        Assert.Equal(sent.Count, frames.Count);
        Assert.Equal(sent.Count, frames.Select(f => f.Sequence).Distinct().Count());
        var memberOfFlow = frames.GroupBy(f => flowOf[f.Sequence]).ToDictionary(g => g.Key, g => g.Select(f => f.Member).Distinct().ToArray());
        Assert.Equal(flows, memberOfFlow.Count);
        Assert.All(memberOfFlow, kv => Assert.True(kv.Value.Length == 1, $"flow {kv.Key} was split over members {string.Join(",", kv.Value)}"));
        // 128 flows over 3 members: each member gets a real share (a fair hash puts ~43 flows on each).
        for (int m = 0; m < members; m++)
            Assert.InRange(memberOfFlow.Count(kv => kv.Value[0] == m), flows / 8, flows - flows / 8);
    }

    public static TheoryData<string> Spilling() => ["Rollover", "Hash+RolloverWhenFull", "Hash"];

    [Theory]
    [MemberData(nameof(Spilling))]
    public void A_stalled_member_spills_to_the_others_only_with_rollover_and_the_numbers_add_up(string mode)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        FanoutGroupOptions fanout = mode switch
        {
            "Rollover" => new() { Mode = FanoutMode.Rollover },
            "Hash+RolloverWhenFull" => new() { Mode = FanoutMode.Hash, RolloverWhenFull = true },
            _ => new() { Mode = FanoutMode.Hash },
        };
        // Small rings (2 x 64 KiB), so the stalled member fills after a few hundred frames; the reader's ring is drained.
        var options = FanoutRings.Options(fanout) with { BlockSize = 64 << 10, BlockCount = 2 };
        const int count = 4000;
        using FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 2, options));
        // Member 0 is never read while the traffic runs; member 1 is.
        var read = new List<long>();
        using (group.MemberBlocks(1).Subscribe(block =>
        {
            using (block)
                foreach (PacketRef p in block) { long s = Frames.SequenceOf(p.Data); if (s >= 0) lock (read) read.Add(s); }
        }))
        {
            var sent = Enumerable.Range(0, count).Select(i => Frames.Udp(i, 400, sourcePort: (ushort)(1024 + i % 509), destinationPort: (ushort)(9000 + i % 31))).ToList();
            for (int i = 0; i < count; i += 200)
            {
                net.InjectFromPeer(sent.Skip(i).Take(200));
                Thread.Sleep(2); // let member 1's thread keep its ring empty on a busy machine
            }
            SpinWait.SpinUntil(() => { lock (read) return read.Count + group.GetMemberStats(0).PacketsReceived >= count; }, 3000);
            Thread.Sleep(100);
        }
        // Now drain the stalled member: everything its ring held.
        var stalled = new List<long>();
        RingSource member0 = group.Members[0];
        using var unblock = new Timer(_ => member0.Unblock(), null, 300, 300);
        while (member0.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
        {
            using (block!)
                foreach (PacketRef p in block!) { long s = Frames.SequenceOf(p.Data); if (s >= 0) stalled.Add(s); }
        }

        CaptureStats s0 = group.GetMemberStats(0), s1 = group.GetMemberStats(1), sum = group.Stats;
        Assert.Equal(count, sum.PacketsReceived);
        Assert.Equal(s0.PacketsReceived + s1.PacketsReceived, sum.PacketsReceived);
        // sent = captured + dropped, summed over the members, and nothing captured twice.
        Assert.Equal(count, stalled.Count + read.Count + sum.PacketsDropped);
        Assert.Empty(stalled.Intersect(read));
        Assert.Equal(s0.PacketsCaptured, stalled.Count);
        string numbers = $"{mode}: stalled member captured {stalled.Count}, dropped {s0.PacketsDropped}; reading member captured {read.Count}, dropped {s1.PacketsDropped}";
        if (mode == "Hash")
        {
            // Without rollover the stalled member's full ring drops its whole share beyond what the ring holds.
            Assert.True(s0.PacketsDropped > count / 4, numbers);
        }
        else
        {
            // Its share moved to the member with room instead. With TPACKET_V3 the kernel's room check looks at the
            // ring's active block only, so a packet that does not fit in it may still be dropped: a few, not the share.
            Assert.True(sum.PacketsDropped < count / 10, numbers);
            Assert.True(read.Count > count * 3 / 4, numbers);
            Assert.True(stalled.Count > 0, numbers);
        }
    }

    [Fact]
    public void Two_groups_on_one_interface_never_see_each_other_and_an_explicit_id_joins_on_purpose()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 2000;
        var lb = new FanoutGroupOptions { Mode = FanoutMode.LoadBalance };
        using FanoutGroupSource first = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 2, FanoutRings.Options(lb)));
        using FanoutGroupSource second = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 2, FanoutRings.Options(lb)));
        Assert.NotEqual(first.GroupId, second.GroupId);
        // A third source joins the first group on purpose: one group of four members in two sources.
        using FanoutGroupSource joined = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 2, FanoutRings.Options(lb with { GroupId = first.GroupId })));
        Assert.Equal(first.GroupId, joined.GroupId);

        using var atFirst = new GroupCollector(first, count / 2);
        using var atSecond = new GroupCollector(second, count);
        using var atJoined = new GroupCollector(joined, count / 2);
        net.InjectFromPeer(MixedFrames(count));
        List<MemberFrame> a = atFirst.Wait(), b = atSecond.Wait(), c = atJoined.Wait();

        // The independent group sees every frame once; the shared group splits them between its two sources, 1:1 under LoadBalance.
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), b.Select(f => f.Sequence).Order());
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), a.Concat(c).Select(f => f.Sequence).Order());
        Assert.Equal(count / 2, a.Count);
        Assert.Equal(count / 2, c.Count);
    }

    [Fact]
    public async Task Each_member_feeds_its_own_dataflow_target_and_the_union_is_every_frame_once()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 3000, members = 2;
        using FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, members, FanoutRings.Options(new FanoutGroupOptions())));
        var seen = Enumerable.Range(0, members).Select(_ => new List<(int BlockMember, long Sequence)>()).ToArray();
        var targets = Enumerable.Range(0, members).Select(m => new System.Threading.Tasks.Dataflow.ActionBlock<PacketBlock>(block =>
        {
            using (block)
                foreach (PacketRef p in block) { long s = Frames.SequenceOf(p.Data); if (s >= 0) seen[m].Add((p.FanoutMember, s)); }
        })).ToArray();
        using FanoutGroupFeed feed = group.LinkTo(targets);
        net.InjectFromPeer(MixedFrames(count));
        SpinWait.SpinUntil(() => seen.Sum(l => l.Count) >= count, 20_000);
        group.Dispose();
        await feed.Completion.WaitAsync(TimeSpan.FromSeconds(5));

        for (int m = 0; m < members; m++) Assert.All(seen[m], x => Assert.Equal(m, x.BlockMember));
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), seen.SelectMany(l => l).Select(x => x.Sequence).Order());
        Assert.Equal(count, Enumerable.Range(0, members).Sum(m => feed.GetCounters(m).PacketsDelivered));
    }

    [Fact]
    public async Task The_merged_async_enumeration_sees_every_frame_once_and_break_stops_every_member()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        const int count = 2000;
        using FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 3, FanoutRings.Options(new FanoutGroupOptions { Mode = FanoutMode.LoadBalance })));
        var sequences = new List<long>();
        var members = new HashSet<int>();
        Task injection = Task.Run(() => net.InjectFromPeer(MixedFrames(count)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (PacketRef p in group.ReadAllAsync(timeout.Token))
        {
            sequences.Add(Frames.SequenceOf(p.Data));
            members.Add(p.FanoutMember);
            if (sequences.Count == count) break;
        }
        await injection;
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), sequences.Order());
        Assert.Equal([0, 1, 2], members.Order());
        // break released every member: each can be read again at once.
        Assert.All(group.Members, m => Assert.Equal(0, m.LeasedBlocks));
        using var again = group.MemberBlocks(0).Subscribe(b => b.Dispose());
    }

    [Fact]
    public void Pinned_members_capture_on_their_cpus()
    {
        Privileges.RequireNetworkNamespaces();
        if (Environment.ProcessorCount < 2) Assert.Skip("Needs two CPUs to tell pinned threads apart.");
        using var net = new TestNetwork();
        int[] cpus = [1, 0];
        using FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 2, FanoutRings.Options(new FanoutGroupOptions { Mode = FanoutMode.LoadBalance }), cpus));
        var ran = new System.Collections.Concurrent.ConcurrentBag<(int Member, int Cpu, string? Thread)>();
        using var collector = group.ToObservable().Subscribe(block =>
        {
            ran.Add((block.FanoutMember, Interop.ThreadAffinity.CurrentCpu(), Thread.CurrentThread.Name));
            block.Dispose();
        });
        net.InjectFromPeer(MixedFrames(400));
        SpinWait.SpinUntil(() => ran.Select(r => r.Member).Distinct().Count() == 2, 10_000);
        Assert.Equal(cpus[0], group.GetMemberCpu(0));
        Assert.Equal(cpus[1], group.GetMemberCpu(1));
        Assert.All(ran, r => Assert.Equal(cpus[r.Member], r.Cpu));
        Assert.All(ran, r => Assert.Equal($"SlimCap fanout {net.CaptureInterface} #{r.Member}", r.Thread));
        Assert.Throws<InvalidCaptureOptionException>(() => net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 2, null, [4095])));
    }
}
