using System.Runtime.Versioning;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capture;

/// <summary>
/// N TPACKET_V3 rings on one interface in one PACKET_FANOUT group: the kernel spreads the interface's packets over
/// the rings (by flow hash, round robin, CPU… as <see cref="FanoutGroupOptions.Mode"/> says), and each ring is read
/// by its own capture thread, optionally pinned to a CPU, so capture scales past one core. Nothing is hashed or
/// copied in user space: each packet is written once, into one member's ring.
/// </summary>
/// <remarks>
/// <para><b>Surfaces.</b> Each member is a <see cref="RingSource"/> (<see cref="Members"/>), with every read style of
/// its own. The stream surfaces run one capture thread per member: <c>ToObservable()</c> and <c>ReadAllAsync()</c>
/// merge the members, <c>MemberBlocks(i)</c> is member i alone, and <c>LinkTo(targets)</c> feeds member i to Dataflow
/// target i. Every block says which member it came from (<see cref="PacketBlock.FanoutMember"/>,
/// <see cref="PacketRef.FanoutMember"/>).</para>
/// <para><b>Order.</b> Within a member, blocks and packets come in the ring's order. Across members there is no order:
/// the merged streams interleave members as their blocks retire, so a packet of one member may come after a later packet
/// of another. Under <see cref="FanoutMode.Hash"/> all packets of a flow (both directions) are in one member, so each
/// flow keeps its order in the merged streams too; compare <see cref="PacketRef.TimestampNanoseconds"/> for an order
/// across flows.</para>
/// <para><b>Opening.</b> Members are opened one after the other, each joined to the group before it captures anything
/// (it sees no packet of the interface outside its share). If one fails, those opened before it are closed and
/// <see cref="FanoutMemberOpenException"/> says which member failed and why: there is never a half-open group.</para>
/// <para><b>Lifetime.</b> <see cref="Dispose"/> closes every member: a blocked capture thread wakes at once, the streams
/// end, and each ring stays mapped until its last leased block is disposed, as for one <see cref="RingSource"/>.</para>
/// <para><b>Thread safety.</b> <see cref="Stats"/>, <see cref="GetMemberStats"/> and <see cref="Dispose"/> may be
/// called from any thread; each member serves one reader at a time, as any source.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed class FanoutGroupSource : IDisposable
{
    private const int MaxClosers = 32;

    [ThreadStatic] private static FanoutGroupSource? t_group;

    private readonly RingSource[] _members;
    private readonly int[] _requestedCpus;
    private readonly int[] _pinnedCpus;
    private int _disposed;

    /// <summary>Opens <paramref name="memberCount"/> rings on <paramref name="interfaceName"/> in one fan-out group.</summary>
    /// <param name="interfaceName">The interface; every member captures on it.</param>
    /// <param name="memberCount">How many rings (and capture threads) the group has: 1 to 65536.</param>
    /// <param name="options">
    /// Every member's ring options. <see cref="RingOptions.Fanout"/> sets the mode and flags (<see cref="FanoutMode.Hash"/>
    /// when null); with no <see cref="FanoutGroupOptions.GroupId"/> the kernel allocates a fresh group, otherwise the
    /// members join (or create) that group. The ring geometry is per member: N members hold N rings.
    /// </param>
    /// <param name="memberCpus">
    /// Pins member i's capture threads to CPU <c>memberCpus[i % memberCpus.Count]</c> (sched_setaffinity); null (the
    /// default) leaves them to the scheduler. Each CPU must be one this process may run on.
    /// </param>
    /// <exception cref="InvalidCaptureOptionException">An option or CPU is invalid (checked before any socket is opened, or, for an option that depends on the interface, when the first member opens).</exception>
    /// <exception cref="FanoutMemberOpenException">A member could not be opened; none is left open. The inner exception says why.</exception>
    public FanoutGroupSource(string interfaceName, int memberCount, RingOptions? options = null, IReadOnlyList<int>? memberCpus = null)
    {
        ArgumentNullException.ThrowIfNull(interfaceName);
        if (memberCount is < 1 or > LinuxConstants.PACKET_FANOUT_MAX)
            throw new InvalidCaptureOptionException(nameof(memberCount), $"a group has 1 to {LinuxConstants.PACKET_FANOUT_MAX} members; got {memberCount}.");
        options ??= new RingOptions();
        FanoutGroupOptions fanout = options.Fanout ?? new FanoutGroupOptions();
        if (fanout.MaxMembers == 0 && memberCount > LinuxConstants.PACKET_FANOUT_LEGACY_MAX) fanout = fanout with { MaxMembers = memberCount };
        if (fanout.MaxMembers != 0 && fanout.MaxMembers < memberCount)
            throw new InvalidCaptureOptionException("Fanout.MaxMembers", $"the group's limit ({fanout.MaxMembers}) is below its member count ({memberCount}).");
        options = options with { Fanout = fanout };
        options.Validate();
        _requestedCpus = ResolveCpus(memberCount, memberCpus);
        _pinnedCpus = Enumerable.Repeat(-1, memberCount).ToArray();

        _members = new RingSource[memberCount];
        int opened = 0;
        try
        {
            for (; opened < memberCount; opened++)
            {
                RingSource member;
                try
                {
                    member = new RingSource(interfaceName, options);
                }
                catch (CaptureException e)
                {
                    throw new FanoutMemberOpenException(interfaceName, opened == 0 ? fanout.GroupId : _members[0].FanoutGroupId, opened, memberCount, e);
                }
                member.FanoutMember = opened;
                _members[opened] = member;
                // The first member fixed the group (the kernel allocated its id): the others join that one.
                if (opened == 0 && fanout.GroupId is null) options = options with { Fanout = fanout with { GroupId = member.FanoutGroupId } };
            }
        }
        catch
        {
            CloseAll(_members[..opened]);
            throw;
        }
        GroupId = _members[0].FanoutGroupId!.Value;
        Options = options;
        Members = Array.AsReadOnly(_members);
    }

    /// <summary>The group's id (the one the kernel allocated, or the one given); other rings join with it as <see cref="FanoutGroupOptions.GroupId"/>.</summary>
    public ushort GroupId { get; }

    /// <summary>The members' options, with <see cref="FanoutGroupOptions.GroupId"/> set to <see cref="GroupId"/>.</summary>
    public RingOptions Options { get; }

    /// <summary>The member rings, in member order (the index is each block's <see cref="PacketBlock.FanoutMember"/>).</summary>
    public IReadOnlyList<RingSource> Members { get; }

    /// <summary>Number of members.</summary>
    public int MemberCount => _members.Length;

    /// <summary>The interface, as it was when the group was opened.</summary>
    public LinkInfo Link => _members[0].Link;

    /// <summary>The interface's name.</summary>
    public string Name => _members[0].Name;

    /// <summary>True once <see cref="Dispose"/> was called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// The members' counters summed (64-bit, as each member's). <see cref="CaptureStats.InterfaceDropped"/> is the
    /// interface's own counter, not a sum.
    /// </summary>
    public CaptureStats Stats
    {
        get
        {
            long received = 0, dropped = 0, freezes = 0, starvations = 0, interfaceDropped = -1;
            foreach (RingSource member in _members)
            {
                CaptureStats s = member.Stats;
                received += s.PacketsReceived;
                dropped += s.PacketsDropped;
                freezes += s.QueueFreezes;
                starvations += s.RingStarvations;
                interfaceDropped = Math.Max(interfaceDropped, s.InterfaceDropped);
            }
            return new CaptureStats(received, dropped, freezes, starvations, interfaceDropped);
        }
    }

    /// <summary>Member <paramref name="member"/>'s own counters.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="member"/> is not a member index.</exception>
    public CaptureStats GetMemberStats(int member) => _members[CheckMember(member)].Stats;

    /// <summary>
    /// The CPU member <paramref name="member"/>'s latest capture thread is pinned to, or -1 when it is not pinned (no CPU
    /// was asked for, no stream has run yet, or the kernel refused the pin when the thread started).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="member"/> is not a member index.</exception>
    public int GetMemberCpu(int member) => Volatile.Read(ref _pinnedCpus[CheckMember(member)]);

    /// <summary>
    /// Closes every member: first every capture thread is woken with Stopped (the streams end at once), then the sockets
    /// are closed, several at a time. Returns once every socket is closed (a ring stays mapped while a block of it is
    /// leased). Idempotent, safe from any thread.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (RingSource member in _members) member.SignalStop();
        CloseAll(_members);
    }

    /// <summary>
    /// Disposes <paramref name="members"/> on up to <see cref="MaxClosers"/> threads. Closing a packet socket waits for an
    /// RCU grace period (packet_release's synchronize_net, tens of milliseconds on a busy machine); in parallel the
    /// waits overlap, so closing N members costs about one grace period instead of N.
    /// </summary>
    private static void CloseAll(RingSource[] members)
    {
        int closers = Math.Min(members.Length, MaxClosers);
        if (closers <= 1)
        {
            foreach (RingSource member in members) member.Dispose();
            return;
        }
        int next = -1;
        void Close()
        {
            for (int i; (i = Interlocked.Increment(ref next)) < members.Length;) members[i].Dispose();
        }
        var threads = new Thread[closers - 1];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(Close) { IsBackground = true, Name = "SlimCap fanout close" };
            threads[t].Start();
        }
        Close();
        foreach (Thread thread in threads) thread.Join();
    }

    /// <summary>True on a capture thread of this group (where waiting for the group's threads would wait for itself).</summary>
    internal bool IsMemberThread => t_group == this;

    /// <summary>
    /// A background thread for member <paramref name="member"/>, named after it and pinned to its CPU when one was asked
    /// for: every stream surface runs its member captures on these.
    /// </summary>
    internal Thread CreateMemberThread(int member, ThreadStart body)
    {
        CheckMember(member);
        int cpu = _requestedCpus[member];
        return new Thread(() =>
        {
            t_group = this;
            if (cpu >= 0)
            {
                try
                {
                    ThreadAffinity.PinCurrentThread(cpu);
                    Volatile.Write(ref _pinnedCpus[member], cpu);
                }
                catch (NativeCallException)
                {
                    // The allowed set shrank since the group was opened (cpuset change): capture unpinned, and say so in GetMemberCpu.
                    Volatile.Write(ref _pinnedCpus[member], -1);
                }
            }
            body();
        })
        {
            IsBackground = true,
            Name = $"SlimCap fanout {Name} #{member}",
        };
    }

    private int CheckMember(int member)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(member);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(member, _members.Length);
        return member;
    }

    private static int[] ResolveCpus(int memberCount, IReadOnlyList<int>? cpus)
    {
        var resolved = new int[memberCount];
        if (cpus is null)
        {
            Array.Fill(resolved, -1);
            return resolved;
        }
        if (cpus.Count == 0) throw new InvalidCaptureOptionException("memberCpus", "give at least one CPU, or null to leave the threads unpinned.");
        ulong[] allowed = ThreadAffinity.AllowedCpus();
        foreach (int cpu in cpus)
        {
            if (cpu < 0 || cpu >= allowed.Length * 64 || (allowed[cpu >> 6] & (1UL << (cpu & 63))) == 0)
                throw new InvalidCaptureOptionException("memberCpus", $"CPU {cpu} is not one this process may run on (allowed: {ThreadAffinity.Describe(allowed)}).");
        }
        for (int i = 0; i < memberCount; i++) resolved[i] = cpus[i % cpus.Count];
        return resolved;
    }
}
