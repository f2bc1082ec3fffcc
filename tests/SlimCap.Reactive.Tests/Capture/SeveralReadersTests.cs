using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// Several threads reading one live source at once (unsupported, but it happens): Dispose wakes every one of them,
/// never leaving one blocked (which would also keep the ring mapped and the socket open). The readers re-enter their
/// wait again and again while a thread unblocks them, so that Dispose lands while some are between the stop check and
/// the wait: before, the first reader took the stop signal and a reader entering its wait after that waited for ever.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class SeveralReadersTests
{
    [Theory]
    [InlineData("ring")]
    [InlineData("socket")]
    public void Dispose_wakes_every_reader_of_a_source_read_by_several_threads(string kind)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        ProcessResources before = ProcessResources.Read();
        const int Rounds = 100, Readers = 4;
        for (int round = 0; round < Rounds; round++)
        {
            CaptureSource source = net.Capture<CaptureSource>(() => kind == "ring"
                ? new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 1 << 16, BlockCount = 4 })
                : new SocketSource(net.CaptureInterface));
            Exception? unexpected = null;
            var readers = new Thread[Readers];
            using var started = new CountdownEvent(Readers);
            for (int r = 0; r < Readers; r++)
            {
                readers[r] = new Thread(() =>
                {
                    started.Signal();
                    try
                    {
                        while (true)
                        {
                            CaptureStatus status = source.NextBlock(out PacketBlock? block);
                            block?.Dispose();
                            if (status == CaptureStatus.Stopped) return;
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        // Closed between two reads: the documented outcome.
                    }
                    catch (Exception e)
                    {
                        unexpected = e;
                    }
                }) { IsBackground = true, Name = $"reader {r}" };
                readers[r].Start();
            }
            started.Wait();
            var unblocking = System.Diagnostics.Stopwatch.StartNew();
            while (unblocking.ElapsedMilliseconds < 5) source.Unblock(); // the readers go round their wait meanwhile
            source.Dispose();
            foreach (Thread reader in readers)
                Assert.True(reader.Join(2000), $"{kind}, round {round}: {reader.Name} is still blocked 2 s after Dispose");
            Assert.Null(unexpected);
        }
        Assert.True(ProcessResources.ReturnsTo(before), $"{kind}: sockets, eventfds or ring mappings were left: {before} -> {ProcessResources.Read()}");
    }
}
