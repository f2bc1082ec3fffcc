using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// A capture file is read once: a stream started on a file an earlier stream read to its end says so (on main before
/// this test a second <c>ReadAllAsync</c> yielded nothing, as if the file were empty); and a file's statistics report
/// no ring starvations (a file has no ring; its consumer holding every block is back-pressure).
/// </summary>
public sealed class EndedFileStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_second_stream_over_a_file_read_to_its_end_throws_a_clear_error()
    {
        using var file = CaptureFileSource.Open(StreamSubject.FilePath);
        long first = 0;
        await foreach (PacketRef _ in file.ReadAllAsync(Ct)) first++;
        Assert.Equal(StreamSubject.FileRecords, first);

        var enumerated = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (PacketRef _ in file.ReadAllAsync(Ct)) { }
        });
        Assert.Contains("already read to its end", enumerated.Message);

        Exception observed = await Assert.ThrowsAsync<InvalidOperationException>(async () => await file.ToObservable().Select(b =>
        {
            b.Dispose();
            return 0;
        }).DefaultIfEmpty().LastAsync().ToTask(Ct));
        Assert.Contains("already read to its end", observed.Message);

        using var fanOut = new PacketBroadcaster([new ActionBlock<PacketBlock>(b => b.Dispose())]);
        Assert.Contains("already read to its end", Assert.Throws<InvalidOperationException>(() => { _ = fanOut.RunAsync(file, Ct); }).Message);

        // The read calls keep their documented end: Stopped, again and again.
        Assert.Equal(CaptureStatus.Stopped, file.NextBlock(out PacketBlock? none));
        Assert.Null(none);
    }

    [Fact]
    public async Task A_stream_that_stopped_before_the_end_leaves_the_rest_to_the_next_one()
    {
        using var file = CaptureFileSource.Open(StreamSubject.FilePath);
        await foreach (PacketRef _ in file.ReadAllAsync(Ct)) break;
        long rest = 0;
        await foreach (PacketRef _ in file.ReadAllAsync(Ct)) rest++;
        Assert.InRange(rest, 1, StreamSubject.FileRecords - 1);
    }

    [Fact]
    public async Task A_consumer_holding_every_file_block_is_not_a_ring_starvation()
    {
        using var file = CaptureFileSource.Open(StreamSubject.FilePath, new CaptureFileOptions { BlockCount = 2, BlockSize = 4096 });
        Assert.Equal(CaptureStatus.Packet, file.NextBlock(out PacketBlock? a));
        Assert.Equal(CaptureStatus.Packet, file.NextBlock(out PacketBlock? b));
        // Every block is leased: the next read waits for one to come back.
        Task<PacketBlock?> third = Task.Run(() => file.NextBlock(out PacketBlock? c) == CaptureStatus.Packet ? c : null, Ct);
        Assert.NotSame(third, await Task.WhenAny(third, Task.Delay(200, Ct))); // the reader waits for a free block
        a!.Dispose();
        using PacketBlock? got = await third.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.NotNull(got);
        b!.Dispose();
        Assert.Equal(0, file.Stats.RingStarvations);
    }
}
