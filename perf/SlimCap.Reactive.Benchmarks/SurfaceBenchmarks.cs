using System.Threading.Tasks.Dataflow;
using BenchmarkDotNet.Attributes;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Benchmarks;

/// <summary>
/// Per-packet cost of the Rx, async and Dataflow surfaces and the block operators over the replaying ring
/// image. Each invocation subscribes (or enumerates), reads <see cref="Images.Packets"/> packets, touching each
/// packet's length and first byte, and unsubscribes; setup is amortized over about a million packets.
/// </summary>
[Config(typeof(BenchConfig))]
[MemoryDiagnoser]
public class SurfaceBenchmarks
{
    private const int N = Images.Packets;
    private RingImageSource _source = null!;

    [GlobalSetup]
    public void Setup() => _source = Images.Replay();

    [GlobalCleanup]
    public void Cleanup() => _source.Dispose();

    /// <summary><c>IObservable&lt;PacketBlock&gt;</c>: <c>source.ToObservable()</c>, foreach over each block, dispose it.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long ObservableBlocks() => Observe(_source.ToObservable());

    /// <summary><c>WherePacketType(OtherHost)</c> (all pass) then <c>SampleEvery(1)</c>: both operators' per-packet selection.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long ObservableTypeFilterAndSampleEvery1() => Observe(_source.ToObservable().WherePacketType(PacketType.OtherHost).SampleEvery(1));

    /// <summary><c>WherePacketType(OtherHost)</c> alone.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long ObservableTypeFilter() => Observe(_source.ToObservable().WherePacketType(PacketType.OtherHost));

    /// <summary><c>SampleEvery(10)</c>: a tenth of the packets reach the consumer (cost still per packet read).</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long ObservableSampleEvery10() => Observe(_source.ToObservable().SampleEvery(10));

    /// <summary><c>IObservable&lt;PacketRef&gt;</c>: <c>ToObservable().Packets()</c>, one OnNext per packet.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long ObservablePackets()
    {
        using var done = new ManualResetEventSlim();
        var o = new PacketObserver(done);
        using (_source.ToObservable().Packets().Subscribe(o)) done.Wait();
        return o.Bytes + o.Touch;
    }

    /// <summary><c>await foreach (PacketRef p in source.ReadAllAsync())</c>.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public async Task<long> AsyncEnumerable()
    {
        long n = 0, bytes = 0, touch = 0;
        await foreach (PacketRef p in _source.ReadAllAsync())
        {
            ReadOnlySpan<byte> data = p.Data;
            n++;
            bytes += data.Length;
            touch += data[0];
            if (n >= N) break;
        }
        return bytes + touch;
    }

    /// <summary>Dataflow: <c>PacketPartitioner</c> (5-tuple) to two bounded <c>ActionBlock</c>s.</summary>
    [Benchmark(OperationsPerInvoke = N)]
    public long DataflowPartitionTo2()
    {
        using var done = new ManualResetEventSlim();
        long packets = 0, bytes = 0, touch = 0;
        var options = new ExecutionDataflowBlockOptions { BoundedCapacity = 4, SingleProducerConstrained = true };
        ActionBlock<PacketBlock> Target() => new(view =>
        {
            long n = 0, b = 0, t = 0;
            foreach (PacketRef p in view)
            {
                ReadOnlySpan<byte> data = p.Data;
                n++;
                b += data.Length;
                t += data[0];
            }
            view.Dispose();
            Interlocked.Add(ref bytes, b);
            Interlocked.Add(ref touch, t);
            if (Interlocked.Add(ref packets, n) >= N) done.Set();
        }, options);
        using var cts = new CancellationTokenSource();
        using (var fanOut = new PacketPartitioner([Target(), Target()]))
        {
            Task pump = fanOut.RunAsync(_source, cts.Token);
            done.Wait();
            cts.Cancel();
            try { pump.Wait(); } catch (AggregateException) { }
            fanOut.Complete();
            try { fanOut.Completion.Wait(); } catch (AggregateException) { }
        }
        return bytes + touch;
    }

    private static long Observe(IObservable<PacketBlock> stream)
    {
        using var done = new ManualResetEventSlim();
        var o = new BlockObserver(done);
        using (stream.Subscribe(o)) done.Wait();
        return o.Bytes + o.Touch;
    }

    private sealed class BlockObserver(ManualResetEventSlim done) : IObserver<PacketBlock>
    {
        public long Packets, Bytes, Touch;

        public void OnNext(PacketBlock block)
        {
            long n = 0, bytes = 0, touch = 0;
            foreach (PacketRef p in block)
            {
                ReadOnlySpan<byte> data = p.Data;
                n++;
                bytes += data.Length;
                touch += data[0];
            }
            Packets += block.RawPacketCount;
            block.Dispose();
            Bytes += bytes;
            Touch += touch;
            if (Packets >= N) done.Set();
        }

        public void OnError(Exception error) => done.Set();

        public void OnCompleted() => done.Set();
    }

    private sealed class PacketObserver(ManualResetEventSlim done) : IObserver<PacketRef>
    {
        public long Packets, Bytes, Touch;

        public void OnNext(PacketRef p)
        {
            ReadOnlySpan<byte> data = p.Data;
            Bytes += data.Length;
            Touch += data[0];
            if (++Packets == N) done.Set();
        }

        public void OnError(Exception error) => done.Set();

        public void OnCompleted() => done.Set();
    }
}
