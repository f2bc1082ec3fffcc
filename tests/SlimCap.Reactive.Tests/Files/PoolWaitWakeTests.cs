using System.Diagnostics;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// A reader waiting for a free block of a file's pool (every block leased) parks without polling and is woken by
/// Unblock and Dispose at once, not at its next timed look (which now comes only when the starvation clock wants its
/// next collection: 250 ms into the wait, then a second later).
/// </summary>
public sealed class PoolWaitWakeTests
{
    private static CaptureFileSource OneBlockFile() =>
        CaptureFileSource.Open(Corpus.PathOf("files", "tcpdump-mptcp-v0.pcap"), new CaptureFileOptions { BlockSize = 4096, BlockCount = 1 });

    [Fact]
    public void Unblock_wakes_a_reader_waiting_for_a_free_block_at_once()
    {
        using CaptureFileSource file = OneBlockFile();
        Assert.Equal(CaptureStatus.Packet, file.NextBlock(out PacketBlock? held)); // the pool's only block
        CaptureStatus status = CaptureStatus.Packet;
        var returned = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            status = file.NextBlock(out PacketBlock? b);
            b?.Dispose();
            returned.Set();
        }) { IsBackground = true };
        reader.Start();
        // Past the first collection (250 ms): a wait that only looked again on the clock would sleep until 1.25 s.
        Assert.False(returned.Wait(400), "the reader returned while every block was leased");
        var clock = Stopwatch.StartNew();
        file.Unblock();
        Assert.True(returned.Wait(400), $"Unblock did not wake the waiting reader within 400 ms");
        Assert.Equal(CaptureStatus.Unblocked, status);
        TestContext.Current.TestOutputHelper?.WriteLine($"woken after {clock.Elapsed.TotalMilliseconds:F1} ms");
        held!.Dispose();
    }

    [Fact]
    public void Dispose_wakes_a_reader_waiting_for_a_free_block_at_once()
    {
        CaptureFileSource file = OneBlockFile();
        Assert.Equal(CaptureStatus.Packet, file.NextBlock(out PacketBlock? held));
        var returned = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            try
            {
                file.NextBlock(out PacketBlock? b);
                b?.Dispose();
            }
            catch (ObjectDisposedException)
            {
            }
            returned.Set();
        }) { IsBackground = true };
        reader.Start();
        Assert.False(returned.Wait(400));
        file.Dispose();
        Assert.True(returned.Wait(400), "Dispose did not wake the waiting reader within 400 ms");
        held!.Dispose();
    }
}
