using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capturer;

/// <summary><c>IObservable&lt;PacketBlock&gt;</c> (<c>source.ToObservable()</c>): the observer walks each block and disposes it.</summary>
internal class BlocksMode : Mode
{
    public override string Name => "blocks";

    /// <summary>The stream to subscribe to; operators are added by subclasses.</summary>
    protected virtual IObservable<PacketBlock> Stream(CaptureSource source) => source.ToObservable();

    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        using var done = new ManualResetEventSlim();
        var observer = new Observer(meter, want, done);
        stop.Attach(source, done.Set);
        using (Stream(source).Subscribe(observer))
        {
            done.Wait();
            meter.Finish();
        }
        stop.Attach(null);
        if (observer.Error is Exception e) throw new InvalidOperationException("capture failed", e);
    }

    private sealed class Observer(Meter meter, long want, ManualResetEventSlim done) : IObserver<PacketBlock>
    {
        public Exception? Error { get; private set; }

        public void OnNext(PacketBlock block)
        {
            Meter m = meter;
            if (!m.Started) m.Start();
            long n = 0, bytes = 0, touch = 0;
            foreach (PacketRef p in block)
            {
                ReadOnlySpan<byte> data = p.Data;
                n++;
                bytes += data.Length;
                touch += data[0];
            }
            int raw = block.RawPacketCount; // all the source delivered, also what operators hid
            block.Dispose();
            m.Packets += raw;
            m.Sampled += n;
            m.Bytes += bytes;
            m.Touch += touch;
            m.MarkWall();
            if (m.Packets >= want)
            {
                m.Finish();
                done.Set();
            }
        }

        public void OnError(Exception error)
        {
            Error = error;
            done.Set();
        }

        public void OnCompleted() => done.Set();
    }
}

/// <summary>
/// Rx operators on blocks: <c>WherePacketType(OtherHost)</c> (the generator's frames are all OTHERHOST, so
/// every packet passes; Unknown for capture files, which carry no type) then <c>SampleEvery(N)</c> (OPERATORS_SAMPLE_N, default 1: every packet is kept, so
/// the consumer touches every packet as the floor does and both operators still run their per-packet
/// selection). captured= counts every packet the source delivered, delivered= those the observer saw.
/// </summary>
internal sealed class OperatorsMode : BlocksMode, ISampling
{
    private readonly long _sampleN = long.TryParse(Environment.GetEnvironmentVariable("OPERATORS_SAMPLE_N"), out long n) && n > 0 ? n : 1;

    public override string Name => "operators";

    // A pcap file carries no packet type (Unknown): filter on that for files, so that every packet passes there too.
    protected override IObservable<PacketBlock> Stream(CaptureSource source) =>
        source.ToObservable().WherePacketType(source is Files.CaptureFileSource ? PacketType.Unknown : PacketType.OtherHost).SampleEvery(_sampleN);
}

/// <summary>
/// <c>await foreach (PacketRef p in source.ReadAllAsync())</c>: the default resumes the loop body on the enumeration's
/// consumer thread; <c>async-pool</c> on the thread pool, <c>async-inline</c> on the capture thread.
/// </summary>
internal sealed class AsyncMode(AsyncContinuation continuation = AsyncContinuation.ConsumerThread) : Mode
{
    private readonly CaptureAsyncOptions _options = new() { Continuation = continuation };

    public override string Name => continuation switch
    {
        AsyncContinuation.CaptureThread => "async-inline",
        AsyncContinuation.ThreadPool => "async-pool",
        _ => "async",
    };

    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        using var cts = new CancellationTokenSource();
        stop.Attach(source, cts.Cancel);
        try
        {
            RunAsync(source, meter, want, _options, cts.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            meter.Finish();
        }
        stop.Attach(null);
    }

    private static async Task RunAsync(CaptureSource source, Meter meter, long want, CaptureAsyncOptions options, CancellationToken cancellationToken)
    {
        // As `await foreach (var p in source.ReadAllAsync(...))` binds: the concrete enumerator, called directly.
        await using var e = source.ReadAllAsync(options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        if (!meter.Started)
        {
            if (!await e.MoveNextAsync()) return;
            meter.Start();
            ReadOnlySpan<byte> first = e.Current.Data;
            meter.Packets++;
            meter.Bytes += first.Length;
            meter.Touch += first[0];
        }
        long n = meter.Packets, bytes = meter.Bytes, touch = meter.Touch;
        try
        {
            while (n < want && await e.MoveNextAsync())
            {
                ReadOnlySpan<byte> data = e.Current.Data;
                n++;
                bytes += data.Length;
                touch += data[0];
            }
        }
        finally
        {
            meter.Packets = n;
            meter.Bytes = bytes;
            meter.Touch = touch;
            meter.MarkWall();
            meter.Finish();
        }
    }
}

/// <summary>
/// TPL Dataflow: <see cref="PacketPartitioner"/> (symmetric 5-tuple) fanning each block out to 2 bounded
/// <see cref="ActionBlock{T}"/> targets; each target walks its view of the block and disposes it. The targets run on
/// the thread pool, or with <paramref name="dedicated"/> (mode <c>dataflow-dedicated</c>) on a
/// <see cref="DedicatedTaskScheduler"/> of two threads.
/// </summary>
internal sealed class DataflowMode(bool dedicated = false) : Mode
{
    public override string Name => dedicated ? "dataflow-dedicated" : "dataflow";

    public override void Run(CaptureSource source, Meter meter, long want, StopSignal stop)
    {
        using var done = new ManualResetEventSlim();
        using DedicatedTaskScheduler? scheduler = dedicated ? new DedicatedTaskScheduler(2) : null;
        var options = new ExecutionDataflowBlockOptions
        {
            BoundedCapacity = 4,
            SingleProducerConstrained = true,
            TaskScheduler = scheduler ?? TaskScheduler.Default,
        };
        var start = new SharedMeterConsumer.StartOnce();
        ActionBlock<PacketBlock> Target() => new(new SharedMeterConsumer(meter, want, done, start).OnNext, options);
        ActionBlock<PacketBlock>[] targets = [Target(), Target()];
        using var cts = new CancellationTokenSource();
        stop.Attach(source, done.Set);
        using (var fanOut = new PacketPartitioner(targets))
        {
            Task pump = fanOut.RunAsync(source, cts.Token);
            pump.ContinueWith(_ => done.Set(), TaskScheduler.Default);
            done.Wait();
            meter.Finish();
            cts.Cancel();
            try { pump.Wait(); } catch (AggregateException) { }
            fanOut.Complete();
            try { fanOut.Completion.Wait(); } catch (AggregateException) { }
        }
        stop.Attach(null);
    }
}
