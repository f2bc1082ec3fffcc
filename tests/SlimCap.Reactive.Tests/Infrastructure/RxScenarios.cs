using System.Reactive.Concurrency;
using System.Reactive.Linq;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// One Rx pipeline as people write it (or its lease-aware replacement), built per run from counted source streams
/// (<c>source(0)</c>, and <c>source(1)</c> for a second source). <see cref="MayDrop"/>: the pipeline loses leases inside
/// Rx operators (the collector must find and count them); otherwise it must give back every lease itself.
/// <see cref="MayReadDead"/>: owners share one lease object, so one may read a block another already disposed.
/// <see cref="WholeFile"/>: over a file it reads every source to its end (so every packet must come in);
/// <see cref="OutPerIn"/>, when not 0: every packet that came in reaches the observer that many times.
/// </summary>
internal sealed record RxScenario(string Name, Func<Func<int, IObservable<PacketBlock>>, IObservable<PacketBlock>> Build,
    bool MayDrop = false, bool MayReadDead = false, bool WholeFile = false, int Sources = 1, int OutPerIn = 0)
{
    public override string ToString() => Name;
}

internal static class RxScenarios
{
    private static readonly IScheduler Pool = TaskPoolScheduler.Default;

    /// <summary>Fails the first subscription made by <paramref name="attempts"/>' owner at its second block.</summary>
    private static IObservable<PacketBlock> FailingOnce(Func<int, IObservable<PacketBlock>> source, StrongBoxInt attempts) =>
        Observable.Defer(() =>
        {
            bool first = Interlocked.Increment(ref attempts.Value) == 1;
            int n = 0;
            return source(0).Do(_ =>
            {
                if (first && ++n == 2) throw new ExpectedFailureException();
            });
        });

    private sealed class StrongBoxInt
    {
        public int Value;
    }

    /// <summary>Scenarios over an endless live source: each run takes a few blocks.</summary>
    public static readonly RxScenario[] Live =
    [
        new("ObserveOn", s => s(0).ObserveOn(Pool).Take(3), MayDrop: true),
        new("ObserveLeasesOn", s => s(0).ObserveLeasesOn(Pool).Take(3)),
        new("SubscribeOn", s => s(0).SubscribeOn(Pool).Take(3), MayDrop: true),
        new("Buffer", s => s(0).Buffer(2).Take(2).SelectMany(list => list), MayDrop: true),
        new("Window", s => s(0).Window(2).Take(2).SelectMany(window => window), MayDrop: true),
        new("Take", s => s(0).Take(3)),
        new("Where", s => s(0).Where(b => b.SequenceNumber % 2 == 0).Take(3), MayDrop: true),
        new("WhereBlocks", s => s(0).WhereBlocks(b => b.SequenceNumber % 2 == 0).Take(3)),
        new("Sample", s => s(0).Sample(TimeSpan.FromMilliseconds(5)).Take(2), MayDrop: true),
        new("SampleByTime", s => s(0).SampleByTime(TimeSpan.FromMilliseconds(5)).Take(2)),
        new("Throttle", s => s(0).Throttle(TimeSpan.FromMilliseconds(1)).Take(2), MayDrop: true),
        new("Publish().RefCount()", s =>
        {
            IObservable<PacketBlock> shared = s(0).Publish().RefCount();
            return shared.Take(3).Merge(shared.Take(3));
        }, MayDrop: true, MayReadDead: true),
        new("ShareLeases", s =>
        {
            IObservable<PacketBlock> shared = s(0).ShareLeases(minSubscribers: 2);
            return shared.Take(3).Merge(shared.Take(3));
        }),
        new("Merge", s => s(0).Merge(s(1)).Take(4), MayDrop: true, Sources: 2), // a block in flight from the other ring when Take ends
        new("Catch", s => FailingOnce(s, new StrongBoxInt()).Catch((ExpectedFailureException _) => s(1)).Take(4), MayDrop: true, Sources: 2),
        new("Retry", s => FailingOnce(s, new StrongBoxInt()).Retry(3).Take(4), MayDrop: true),
    ];

    /// <summary>Scenarios over capture files: most read the whole file, so every packet must arrive.</summary>
    public static readonly RxScenario[] File =
    [
        new("ObserveOn", s => s(0).ObserveOn(Pool).Take(3), MayDrop: true),
        new("ObserveOn to the end", s => s(0).ObserveOn(Pool), WholeFile: true, OutPerIn: 1),
        new("ObserveLeasesOn", s => s(0).ObserveLeasesOn(Pool).Take(3)),
        new("ObserveLeasesOn to the end", s => s(0).ObserveLeasesOn(Pool), WholeFile: true, OutPerIn: 1),
        new("SubscribeOn", s => s(0).SubscribeOn(Pool), WholeFile: true, OutPerIn: 1),
        new("Buffer", s => s(0).Buffer(3).SelectMany(list => list), WholeFile: true, OutPerIn: 1),
        new("Window", s => s(0).Window(3).SelectMany(window => window), WholeFile: true, OutPerIn: 1),
        new("Take", s => s(0).Take(3)),
        new("Where", s => s(0).Where(b => b.SequenceNumber % 2 == 0), MayDrop: true, WholeFile: true),
        new("WhereBlocks", s => s(0).WhereBlocks(b => b.SequenceNumber % 2 == 0), WholeFile: true),
        new("Sample", s => s(0).Sample(TimeSpan.FromMilliseconds(1)), MayDrop: true, WholeFile: true),
        new("SampleByTime", s => s(0).SampleByTime(TimeSpan.FromMilliseconds(1)), WholeFile: true),
        new("Throttle", s => s(0).Throttle(TimeSpan.FromMilliseconds(1)), MayDrop: true, WholeFile: true),
        new("Publish().RefCount()", s =>
        {
            IObservable<PacketBlock> shared = s(0).Publish().RefCount(2);
            return shared.Merge(shared);
        }, MayDrop: true, MayReadDead: true, WholeFile: true),
        new("ShareLeases", s =>
        {
            IObservable<PacketBlock> shared = s(0).ShareLeases(minSubscribers: 2);
            return shared.Merge(shared);
        }, WholeFile: true, OutPerIn: 2),
        new("Merge", s => s(0).Merge(s(1)), WholeFile: true, Sources: 2, OutPerIn: 1),
        new("Catch", s => FailingOnce(s, new StrongBoxInt()).Catch((ExpectedFailureException _) => s(1)), MayDrop: true, Sources: 2),
        new("Retry", s => FailingOnce(s, new StrongBoxInt()).Retry(3), MayDrop: true, WholeFile: true),
    ];

    public static TheoryData<string> Names(RxScenario[] scenarios)
    {
        var data = new TheoryData<string>();
        foreach (RxScenario s in scenarios) data.Add(s.Name);
        return data;
    }
}
