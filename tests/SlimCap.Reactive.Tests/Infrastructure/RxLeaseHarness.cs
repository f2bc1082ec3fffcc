using System.Reactive.Linq;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>What one Rx pipeline did to the blocks a source handed out, summed over its runs.</summary>
internal sealed class LeaseTally
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<PacketBlock, object> _seen = new();
    private long _blocksIn, _packetsIn, _blocksOut, _packetsOut, _deadOut;

    /// <summary>Blocks (and their packets) the source handed to the pipeline.</summary>
    public long BlocksIn => Interlocked.Read(ref _blocksIn);
    public long PacketsIn => Interlocked.Read(ref _packetsIn);

    /// <summary>Distinct block objects the pipeline delivered to the final observer, which read and disposed them.</summary>
    public long BlocksOut => Interlocked.Read(ref _blocksOut);
    public long PacketsOut => Interlocked.Read(ref _packetsOut);

    /// <summary>Delivered blocks that were already released when the observer read them (another owner disposed them).</summary>
    public long DeadOut => Interlocked.Read(ref _deadOut);

    /// <summary>
    /// The source's stream, counting what it hands out. Not Rx's <c>Do</c>: like every Rx sink, a disposed <c>Do</c> drops
    /// what the capture thread was delivering at that moment, which would put a lossy operator into every pipeline.
    /// </summary>
    public IObservable<PacketBlock> Count(IObservable<PacketBlock> source) => new Counting(source, this);

    private sealed class Counting(IObservable<PacketBlock> source, LeaseTally tally) : IObservable<PacketBlock>
    {
        public IDisposable Subscribe(IObserver<PacketBlock> observer) => source.Subscribe(new Observer(observer, tally));

        private sealed class Observer(IObserver<PacketBlock> downstream, LeaseTally tally) : IObserver<PacketBlock>
        {
            public void OnNext(PacketBlock value)
            {
                Interlocked.Increment(ref tally._blocksIn);
                Interlocked.Add(ref tally._packetsIn, value.PacketCount);
                downstream.OnNext(value);
            }

            public void OnError(Exception error) => downstream.OnError(error);

            public void OnCompleted() => downstream.OnCompleted();
        }
    }

    /// <summary>What the final observer does with each block: read every packet (checking it), then dispose.</summary>
    public void Consume(PacketBlock block)
    {
        if (_seen.TryAdd(block, this)) Interlocked.Increment(ref _blocksOut);
        try
        {
            long packets = 0;
            foreach (PacketRef p in block)
            {
                if (p.Data.Length != p.CapturedLength) throw new InvalidOperationException("a packet read short");
                packets++;
            }
            Interlocked.Add(ref _packetsOut, packets);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref _deadOut);
        }
        finally
        {
            block.Dispose();
        }
    }

    public override string ToString() => $"blocks in {BlocksIn}, out {BlocksOut} (dead {DeadOut}); packets in {PacketsIn}, out {PacketsOut}";
}

/// <summary>
/// Runs an Rx pipeline over blocks many times, each run bounded by a time limit, then checks what the item 4 asks:
/// no hang, nothing leaked (descriptors, mappings, leases) once the collector had its chance, and every block a pipeline
/// dropped counted where a user can see it (<see cref="LeaseDiagnostics.ReclaimedLeases"/>).
/// </summary>
internal static class RxLeaseHarness
{
    public const int Runs = 200;
    public static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="scenario"/> over streams from <paramref name="source"/> (a tally and a source index) 10 times
    /// to warm up, then <see cref="Runs"/> times, and checks what every scenario must hold: nothing left (after a
    /// collection and <paramref name="released"/>, the caller's own check), every drop counted, and no dead block
    /// unless the scenario shares lease objects. Returns the tally of the measured runs.
    /// </summary>
    public static LeaseTally RunScenario(RxScenario scenario, Func<LeaseTally, int, IObservable<PacketBlock>> source, Action<LeaseTally>? released = null)
    {
        string name = scenario.Name;
        var warm = new LeaseTally();
        for (int run = 0; run < 10; run++) RunOnce(scenario.Build(i => source(warm, i)), warm, name, -1 - run); // JIT, thread pool
        SettleEarlierLeases();
        var tally = new LeaseTally();
        var start = Footprint();
        var inventory = Inventory();
        long reclaimedBefore = LeaseDiagnostics.ReclaimedLeases;

        for (int run = 0; run < Runs; run++) RunOnce(scenario.Build(i => source(tally, i)), tally, name, run);

        CollectDroppedLeases();
        released?.Invoke(tally);
        AssertFootprintBack(start, inventory, name);
        AssertDropsCounted(tally, reclaimedBefore, name, scenario.MayDrop);
        if (!scenario.MayReadDead) Assert.True(tally.DeadOut == 0, $"{name}: {tally.DeadOut} delivered blocks were already released ({tally})");
        return tally;
    }

    /// <summary>Subscribes <paramref name="pipeline"/>, consuming with <paramref name="tally"/>, and waits for its end (at most 5 s).</summary>
    public static void RunOnce(IObservable<PacketBlock> pipeline, LeaseTally tally, string what, int run)
    {
        using var done = new ManualResetEventSlim();
        Exception? error = null;
        using (pipeline.Subscribe(tally.Consume, e => { error = e; done.Set(); }, done.Set))
        {
            Assert.True(done.Wait(RunLimit), $"{what}, run {run}: no end within {RunLimit.TotalSeconds} s ({tally})");
        }
        if (error is not null && error is not ExpectedFailureException) Assert.Fail($"{what}, run {run}: {error}");
    }

    /// <summary>
    /// Before the count of reclaimed leases is taken: what earlier runs and scenarios dropped must be counted before it,
    /// not in this scenario's runs. A dropping operator's leases can stay reachable for a while after its subscription
    /// ended (Rx's ObserveOn queue, reached from a drain still queued on a busy thread pool), and become garbage, and be
    /// counted, only once that item ran. So collect until the pool has no queued work and a round reclaimed nothing
    /// more (bounded: 3 s).
    /// </summary>
    public static void SettleEarlierLeases()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long reclaimed = -1;
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            CollectDroppedLeases();
            long now = LeaseDiagnostics.ReclaimedLeases;
            if (now == reclaimed && ThreadPool.PendingWorkItemCount == 0) return;
            reclaimed = now;
            Thread.Sleep(50);
        }
    }

    /// <summary>Collects until the finalizers of every dropped lease have run.</summary>
    public static void CollectDroppedLeases()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>
    /// Every block that went in and did not come out was lost inside an Rx operator: the collector must have found
    /// each one and counted it (other tests' leaks may add to the process-wide count, never subtract).
    /// </summary>
    /// <remarks>
    /// Runs in the non-parallel live collection, after a collection of what earlier tests left: a lease-aware pipeline
    /// must leave nothing for the collector at all.
    /// </remarks>
    public static void AssertDropsCounted(LeaseTally tally, long reclaimedBefore, string what, bool mayDrop)
    {
        long lost = Math.Max(0, tally.BlocksIn - tally.BlocksOut);
        long reclaimed = LeaseDiagnostics.ReclaimedLeases - reclaimedBefore;
        if (!mayDrop) Assert.True(reclaimed == 0, $"{what}: the lease-aware pipeline left {reclaimed} leases for the garbage collector ({tally})");
        else Assert.True(reclaimed >= lost, $"{what}: {lost} blocks were dropped inside the pipeline but only {reclaimed} were counted as reclaimed ({tally})");
    }

    /// <summary>
    /// Descriptors (all of /proc/self/fd), mappings (the lines of /proc/self/maps, and those of packet sockets: rings) and
    /// threads of the process now. The runtime's own growth is left out: code the JIT emits (the double-mapped code heap)
    /// and assemblies it loads.
    /// </summary>
    public static (int Descriptors, int Mappings, int RingMappings, int Threads) Footprint()
    {
        string[] maps = File.ReadLines("/proc/self/maps").Where(l => !IsRuntimeOwn(l)).ToArray();
        return (Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(l => !IsRuntimeOwn(FdTarget(l))),
            maps.Length, maps.Count(l => l.Contains("socket:[", StringComparison.Ordinal)), Directory.EnumerateDirectories("/proc/self/task").Count());
    }

    private static bool IsRuntimeOwn(string what) =>
        what.Contains("memfd:doublemapper", StringComparison.Ordinal) || what.EndsWith(".dll", StringComparison.Ordinal);

    private static string FdTarget(string fd)
    {
        try { return new FileInfo(fd).LinkTarget ?? "?"; } catch (IOException) { return "?"; }
    }

    /// <summary>What the descriptors point at and which files are mapped, counted, for a failure message.</summary>
    public static Dictionary<string, int> Inventory()
    {
        var all = new Dictionary<string, int>();
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string target = "fd " + FdTarget(fd);
            if (target.StartsWith("fd socket:", StringComparison.Ordinal)) target = "fd socket";
            all[target] = all.GetValueOrDefault(target) + 1;
        }
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string name = "map " + (parts.Length > 5 ? parts[5].Trim() : "[anonymous]") + " " + parts[1];
            all[name] = all.GetValueOrDefault(name) + 1;
        }
        return all;
    }

    private static string Grown(Dictionary<string, int> before, Dictionary<string, int> after) =>
        string.Join("; ", after.Where(kv => kv.Value > before.GetValueOrDefault(kv.Key)).Select(kv => $"{kv.Key} +{kv.Value - before.GetValueOrDefault(kv.Key)}"));

    /// <summary>
    /// Descriptors, ring mappings and threads back to <paramref name="start"/>, waiting up to 2 s (a capture thread told
    /// to stop may still be leaving). The thread pool may have grown by a thread or two, and the garbage collector maps
    /// and unmaps heap ranges of its own: a margin of 16 mappings covers both (a leaked capture thread is a stack and a
    /// guard, a leaked ring a socket mapping; a leak per run would be hundreds).
    /// </summary>
    public static void AssertFootprintBack((int Descriptors, int Mappings, int RingMappings, int Threads) start, Dictionary<string, int> inventory, string what)
    {
        const int PoolThreads = 2, RuntimeMappings = 16;
        bool Back((int Descriptors, int Mappings, int RingMappings, int Threads) now) =>
            now.Descriptors <= start.Descriptors && now.RingMappings <= start.RingMappings && now.Threads <= start.Threads + PoolThreads
            && now.Mappings <= start.Mappings + RuntimeMappings;
        var now = Footprint();
        DateTime until = DateTime.UtcNow.AddSeconds(2);
        while (!Back(now) && DateTime.UtcNow < until)
        {
            Thread.Sleep(20);
            now = Footprint();
        }
        Assert.True(Back(now), $"{what}: descriptors {start.Descriptors} -> {now.Descriptors}, mappings {start.Mappings} -> {now.Mappings}, " +
            $"threads {start.Threads} -> {now.Threads} after {Runs} runs; grown: {Grown(inventory, Inventory())}");
    }
}

/// <summary>The failure a Catch/Retry pipeline provokes on purpose.</summary>
internal sealed class ExpectedFailureException() : Exception("failed on purpose");
