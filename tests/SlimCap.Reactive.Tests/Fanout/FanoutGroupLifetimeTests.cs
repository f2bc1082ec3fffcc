using System.Diagnostics;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Socket;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Fanout;

/// <summary>Opening, refusing and closing fan-out groups on the real kernel: typed errors, no half-open group, nothing left behind.</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class FanoutGroupLifetimeTests
{
    private static RingOptions Tiny(FanoutGroupOptions? fanout = null) =>
        new() { Fanout = fanout ?? new FanoutGroupOptions(), BlockSize = 4096, BlockCount = 1, BlockTimeout = TimeSpan.FromMilliseconds(10) };

    private static int GroupThreads() =>
        Directory.EnumerateDirectories("/proc/self/task").Count(t =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(t, "comm")).StartsWith("SlimCap fanout", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false; // the thread ended while listing
            }
        });

    [Fact]
    public void Two_hundred_groups_opened_streamed_and_closed_leave_no_descriptor_mapping_or_thread()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        int threadsBefore = GroupThreads();
        using var stop = new CancellationTokenSource();
        Thread traffic = net.StartTraffic(stop.Token, maxSeconds: 60);
        try
        {
            for (int i = 0; i < 200; i++)
            {
                int members = 2 + i % 3;
                FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, members, Tiny(new FanoutGroupOptions { Mode = (FanoutMode)(i % 5) })));
                using var got = new ManualResetEventSlim();
                // A block kept past the group's close: its ring must stay mapped until it is disposed, then go.
                PacketBlock? kept = null;
                IDisposable subscription = group.ToObservable().Subscribe(block =>
                {
                    if (Interlocked.CompareExchange(ref kept, block, null) != null) block.Dispose();
                    got.Set();
                });
                got.Wait(TimeSpan.FromSeconds(2));
                if (i % 2 == 0)
                {
                    subscription.Dispose();
                    group.Dispose();
                }
                else
                {
                    group.Dispose(); // closing the group ends the stream
                    subscription.Dispose();
                }
                Volatile.Read(ref kept)?.Dispose();
            }
        }
        finally
        {
            stop.Cancel();
            traffic.Join();
        }
        Assert.True(SpinWait.SpinUntil(() => GroupThreads() == threadsBefore, 2000), $"{GroupThreads() - threadsBefore} group capture threads are left");
        ProcessResources after = ProcessResources.Read();
        Assert.True(after.SameCaptureResourcesAs(before), $"before {before}, after {after}");
    }

    [Fact]
    public void Disposing_the_group_stops_every_streaming_member_within_a_hundred_milliseconds()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using var stop = new CancellationTokenSource();
        Thread traffic = net.StartTraffic(stop.Token, maxSeconds: 30);
        var times = new List<double>();
        var closes = new List<double>();
        try
        {
            for (int trial = 0; trial < 5; trial++)
            {
                Stopwatch clock = Stopwatch.StartNew();
                double completedMs = -1;
                FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 4, FanoutRings.Options(new FanoutGroupOptions { Mode = FanoutMode.LoadBalance }, 4)));
                using var completed = new ManualResetEventSlim();
                using var busy = new CountdownEvent(4);
                var membersSeen = new bool[4];
                using IDisposable subscription = group.ToObservable().Subscribe(block =>
                {
                    int m = block.FanoutMember;
                    block.Dispose();
                    if (!membersSeen[m]) { membersSeen[m] = true; busy.Signal(); }
                }, () => { completedMs = clock.Elapsed.TotalMilliseconds; completed.Set(); });
                Assert.True(busy.Wait(TimeSpan.FromSeconds(10)), "not every member delivered");
                clock = Stopwatch.StartNew();
                group.Dispose();
                double disposeMs = clock.Elapsed.TotalMilliseconds;
                Assert.True(completed.Wait(TimeSpan.FromSeconds(5)), "the merged stream did not complete after the group closed");
                times.Add(completedMs);
                closes.Add(disposeMs);
                Assert.All(group.Members, m => Assert.Equal(0, m.LeasedBlocks));
            }
        }
        finally
        {
            stop.Cancel();
            traffic.Join();
        }
        // The streams end within 100 ms of Dispose; Dispose itself returns once the sockets are closed, which waits for an
        // RCU grace period (overlapped across members), so it is bounded more loosely.
        string report = $"streams ended after (ms): {string.Join(", ", times.Select(t => t.ToString("F1")))}; Dispose returned after (ms): {string.Join(", ", closes.Select(t => t.ToString("F1")))}";
        Assert.True(times.Max() < 100, report);
        Assert.True(closes.Max() < 1000, report);
    }

    // Group 0 in hash mode without flags is what getsockopt packs as 0, the value of "in no group": the kernel's first
    // unique id after boot is 0, so a fresh machine's first group is that one (a CI run counted 0 members of it).
    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    public void A_full_group_says_so_with_its_member_count(int groupId)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        var options = new FanoutGroupOptions { MaxMembers = 2, Mode = FanoutMode.Hash, GroupId = groupId < 0 ? null : (ushort)groupId };
        using FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 2, Tiny(options)));
        if (groupId >= 0) Assert.Equal(groupId, group.GroupId);
        var full = Assert.Throws<FanoutGroupFullException>(() =>
            net.Capture(() => new RingSource(net.CaptureInterface, Tiny(new FanoutGroupOptions { MaxMembers = 2, GroupId = group.GroupId }))));
        Assert.Equal(2, full.MemberCount);
        Assert.Equal(group.GroupId, full.GroupId);
        Assert.Contains("is full (2 members)", full.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.ENOSPC, Assert.IsType<NativeCallException>(full.InnerException).Errno);
    }

    [Fact]
    public void A_member_that_cannot_join_closes_the_members_opened_before_it()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        // A group of three whose limit is two: members 0 and 1 join, member 2 finds it full.
        var fanout = new FanoutGroupOptions { MaxMembers = 3 };
        using FanoutGroupSource holder = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 1, Tiny(fanout)));
        ProcessResources withHolder = ProcessResources.Read();
        var error = Assert.Throws<FanoutMemberOpenException>(() =>
            net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 3, Tiny(fanout with { GroupId = holder.GroupId }))));
        Assert.Equal(2, error.Member);
        Assert.Equal(3, error.MemberCount);
        Assert.Equal(holder.GroupId, error.GroupId);
        Assert.IsType<FanoutGroupFullException>(error.InnerException);
        Assert.True(ProcessResources.Read().SameCaptureResourcesAs(withHolder), "the two members opened before the failure are still open");
        holder.Dispose();
        Assert.True(ProcessResources.Read().SameCaptureResourcesAs(before));
    }

    public static TheoryData<string> Mismatches() => ["Mode", "Flags", "Interface", "MaxMembers"];

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Joining_a_group_that_differs_names_the_difference(string what)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        // A second interface in the capture namespace: a veth pair with both ends there, up, and no traffic.
        string other = "scd" + Guid.NewGuid().ToString("N")[..8], otherPeer = "sce" + other[3..];
        net.Ip($"-n {net.CaptureNamespace} link add {other} type veth peer name {otherPeer}");
        net.Ip($"-n {net.CaptureNamespace} link set {otherPeer} up");
        net.Ip($"-n {net.CaptureNamespace} link set {other} up");
        var groupOptions = new FanoutGroupOptions { Mode = FanoutMode.LoadBalance, MaxMembers = 8 };
        using FanoutGroupSource group = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 2, Tiny(groupOptions)));
        FanoutGroupOptions join = groupOptions with { GroupId = group.GroupId };
        (string iface, FanoutGroupOptions options, FanoutMismatch expected, string[] named) = what switch
        {
            "Mode" => (net.CaptureInterface, join with { Mode = FanoutMode.Hash }, FanoutMismatch.Mode, new[] { "LoadBalance", "Hash" }),
            "Flags" => (net.CaptureInterface, join with { Defrag = true }, FanoutMismatch.Flags, new[] { "Defrag" }),
            "Interface" => (other, join, FanoutMismatch.Interface, new[] { net.CaptureInterface, other }),
            _ => (net.CaptureInterface, join with { MaxMembers = 4 }, FanoutMismatch.MaxMembers, new[] { "gave 4" }),
        };
        var error = Assert.Throws<FanoutMemberOpenException>(() => net.Capture(() => new FanoutGroupSource(iface, 1, Tiny(options))));
        var mismatch = Assert.IsType<FanoutGroupMismatchException>(error.InnerException);
        Assert.Equal(expected, mismatch.Differences);
        Assert.Equal(group.GroupId, mismatch.GroupId);
        foreach (string word in named) Assert.Contains(word, mismatch.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.EINVAL, Assert.IsType<NativeCallException>(mismatch.InnerException).Errno);
        // The same options on purpose, alone: a plain ring joins the group.
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface, Tiny(join)));
        Assert.Equal(group.GroupId, ring.FanoutGroupId);
    }

    [Fact]
    public void A_mode_the_kernel_lacks_is_reported_as_not_supported()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        net.Capture(() =>
        {
            LinkInfo link = NetworkLinks.Get(net.CaptureInterface);
            using FileDescriptorHandle socket = PacketSocketSetup.Open(link);
            PacketSocketSetup.SetTPacketV3(socket, link);
            PacketSocketSetup.Bind(socket, link);
            const int unknownMode = 9; // past PACKET_FANOUT_EBPF: no kernel has it
            int errno = PacketFanoutCalls.TryJoin(socket, 0, unknownMode | LinuxConstants.PACKET_FANOUT_FLAG_UNIQUEID, 0);
            Assert.Equal(Errno.EINVAL, errno);
            var error = Assert.IsType<FanoutNotSupportedException>(FanoutSetup.Refusal(errno, link, new FanoutGroupOptions(), unknownMode, 0));
            Assert.Contains("9 (unknown)", error.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void More_than_256_members_join_through_fanout_args_and_the_classic_limit_is_enforced()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using (FanoutGroupSource big = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 300, Tiny())))
        {
            Assert.Equal(300, big.MemberCount);
            Assert.Equal(300, big.Options.Fanout!.MaxMembers);
            // The kernel's own view: 300 sockets in the group.
            Assert.Equal(300, net.Capture(() => PacketSocketDiag.TryList()!.Count(s => s.IsMemberOf(big.GroupId))));
        }
        using FanoutGroupSource classic = net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 256, Tiny()));
        var error = Assert.Throws<FanoutMemberOpenException>(() =>
            net.Capture(() => new FanoutGroupSource(net.CaptureInterface, 1, Tiny(new FanoutGroupOptions { GroupId = classic.GroupId }))));
        var full = Assert.IsType<FanoutGroupFullException>(error.InnerException);
        Assert.Equal(256, full.MemberCount);
        Assert.Contains("256", full.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_are_checked_before_any_socket_is_opened()
    {
        void Refused(string option, Action open) => Assert.Equal(option, Assert.Throws<InvalidCaptureOptionException>(open).OptionName);
        Refused("Fanout.RolloverWhenFull", () => new FanoutGroupOptions { Mode = FanoutMode.Rollover, RolloverWhenFull = true }.Validate());
        Refused("Fanout.ClassicProgram", () => new FanoutGroupOptions { Mode = FanoutMode.Cbpf }.Validate());
        Refused("Fanout.ClassicProgram", () => new FanoutGroupOptions { ClassicProgram = SlimCap.Reactive.Filters.BpfProgram.AcceptAll(1) }.Validate());
        Refused("Fanout.ExtendedProgramFd", () => new FanoutGroupOptions { Mode = FanoutMode.Ebpf }.Validate());
        Refused("Fanout.ExtendedProgramFd", () => new FanoutGroupOptions { ExtendedProgramFd = 3 }.Validate());
        Refused("Fanout.MaxMembers", () => new FanoutGroupOptions { MaxMembers = 65537 }.Validate());
        Refused("Fanout.Mode", () => new FanoutGroupOptions { Mode = (FanoutMode)42 }.Validate());
        Refused("Fanout.Mode", () => new RingOptions { Fanout = new FanoutGroupOptions { Mode = (FanoutMode)42 } }.Validate());
        Refused("memberCount", () => new FanoutGroupSource("lo", 0));
        Refused("Fanout.MaxMembers", () => new FanoutGroupSource("lo", 5, new RingOptions { Fanout = new FanoutGroupOptions { MaxMembers = 4 } }));
    }
}
