using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Reactive;

/// <summary>
/// Consumer code that throws, inside a generic host's <see cref="BackgroundService"/> as services are written: an Rx
/// observer's <c>OnNext</c>, a Dataflow target's delegate, an <c>await foreach</c> body, a read callback. The process
/// lives on (on main before this test an <c>OnNext</c> that threw on the capture thread ended it, exit 134), the
/// capture stops and gives back every block and descriptor, and the exception reaches the service through the
/// documented channel (<see cref="CaptureObservable.ObserverFaulted"/>, <see cref="PacketFanOut.RunAsync"/>'s task, the
/// loop itself, the read call), so the host stops with it as for any failing service.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class HostedConsumerFaultTests
{
    public static TheoryData<string, string> SurfacesAndKinds()
    {
        var data = new TheoryData<string, string>();
        foreach (string surface in new[] { "rx", "dataflow", "async", "callback" })
            foreach (string kind in StreamSubject.Kinds)
                data.Add(surface, kind);
        return data;
    }

    [Theory]
    [MemberData(nameof(SurfacesAndKinds))]
    public async Task A_throwing_consumer_in_a_background_service_stops_the_capture_releases_everything_and_reaches_the_host(string surface, string kind)
    {
        using StreamSubject subject = StreamSubject.Create(kind);
        ProcessResources before = ProcessResources.Read();
        var boom = new InvalidOperationException($"consumer bug ({surface}, {kind})");
        var opened = new List<CaptureSource>();
        Func<CaptureSource> open = () =>
        {
            CaptureSource source = subject.Open();
            lock (opened) opened.Add(source);
            return source;
        };

        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var service = new CaptureService(surface, open, boom);
        builder.Services.AddHostedService(_ => service);
        using IHost host = builder.Build();

        // The default BackgroundServiceExceptionBehavior.StopHost: a service that fails stops the host.
        Task run = host.RunAsync(TestContext.Current.CancellationToken);
        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)) == run,
            $"{surface} over {kind}: the host did not stop after the consumer threw");
        await run;

        Exception? failure = service.ExecuteTask!.Exception?.InnerException;
        Assert.Same(boom, failure);
        lock (opened)
        {
            Assert.NotEmpty(opened);
            foreach (CaptureSource source in opened)
            {
                Assert.True(source.IsDisposed, $"{surface} over {kind}: a source is still open");
                Assert.Equal(0, StreamSubject.LeasedBlocks(source));
            }
        }
        Assert.True(ProcessResources.ReturnsTo(before), $"{surface} over {kind}: {before} -> {ProcessResources.Read()}");
        Assert.Equal(0, ProcessResources.DescriptorsOn(StreamSubject.FilePath));
    }

    /// <summary>A service whose consumer throws <paramref name="boom"/> on the first packet it sees.</summary>
    private sealed class CaptureService(string surface, Func<CaptureSource> open, Exception boom) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Yield(); // the capture below must not hold up the host's start
            switch (surface)
            {
                case "rx":
                    await RxAsync(stoppingToken);
                    break;
                case "dataflow":
                    await DataflowAsync(stoppingToken);
                    break;
                case "async":
                    await foreach (PacketRef p in CaptureAsyncEnumerable.ReadAllAsync(open, stoppingToken))
                        if (p.Data.Length > 0) throw boom;
                    break;
                case "callback":
                    using (CaptureSource source = open())
                    {
                        while (!stoppingToken.IsCancellationRequested && source.NextPacket((_, _, _, _) => throw boom) != CaptureStatus.Stopped)
                        {
                        }
                    }
                    break;
            }
            throw new InvalidOperationException("the capture ended without the consumer's exception");
        }

        /// <summary>An observer that throws: its capture stops, and the documented hook brings the exception back here.</summary>
        private async Task RxAsync(CancellationToken stoppingToken)
        {
            var faulted = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
            EventHandler<ObserverFaultEventArgs> onFault = (_, e) =>
            {
                if (ReferenceEquals(e.Exception, boom)) faulted.TrySetResult(e.Exception);
            };
            CaptureObservable.ObserverFaulted += onFault;
            try
            {
                using IDisposable subscription = CaptureObservable.Create(open).Subscribe(block =>
                {
                    using (block)
                    {
                        if (block.PacketCount > 0) throw boom;
                    }
                });
                ExceptionDispatchInfo.Throw(await faulted.Task.WaitAsync(stoppingToken));
            }
            finally
            {
                CaptureObservable.ObserverFaulted -= onFault;
            }
        }

        /// <summary>One target of two throws from its delegate: the fan-out stops capturing and RunAsync faults with it.</summary>
        private async Task DataflowAsync(CancellationToken stoppingToken)
        {
            var bounded = new ExecutionDataflowBlockOptions { BoundedCapacity = 1 };
            var failing = new ActionBlock<PacketBlock>(block =>
            {
                using (block) throw boom;
            }, bounded);
            var healthy = new ActionBlock<PacketBlock>(block => block.Dispose(), bounded);
            using CaptureSource source = open();
            using var fanOut = new PacketBroadcaster([failing, healthy]);
            Task capture = fanOut.RunAsync(source, stoppingToken);
            // The targets end after the capture, with what they still hold; the fan-out's completion says how they ended.
            await Task.WhenAll(capture, fanOut.Completion).ContinueWith(_ => { }, TaskScheduler.Default);
            Assert.Same(boom, fanOut.Completion.Exception?.InnerException);
            await capture;
        }
    }
}
