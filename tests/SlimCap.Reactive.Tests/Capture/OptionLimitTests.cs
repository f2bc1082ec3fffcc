using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// Every numeric option has an upper limit too: a value past it is an <see cref="InvalidCaptureOptionException"/>
/// naming the option and the limit, raised before anything is allocated for it (these run unprivileged).
/// </summary>
public sealed class OptionLimitTests
{
    private static readonly byte[] EmptyPcap = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 65535, 1).ToArray();

    private static void RefusedCheaply(Action open, string option, string limit)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidCaptureOptionException>(open);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024 * 1024, $"{option}: allocated before refusing");
        Assert.Equal(option, e.OptionName);
        Assert.Contains(limit, e.Reason);
    }

    public static TheoryData<string, int, string> FileOptions() => new()
    {
        { nameof(CaptureFileOptions.BlockCount), 10_000_000, "1024" },
        { nameof(CaptureFileOptions.BlockCount), int.MaxValue, "1024" },
        { nameof(CaptureFileOptions.BlockSize), 1 << 30, "67108864" },
        { nameof(CaptureFileOptions.ReadBufferSize), 1 << 30, "16777216" },
        { nameof(CaptureFileOptions.MaxRecordLength), 256 << 20, "134217728" },
        { nameof(CaptureFileOptions.MaxRecordLength), 0, "134217728" },
    };

    [Theory]
    [MemberData(nameof(FileOptions))]
    public void Capture_file_options_past_their_limit_are_refused_before_allocating(string option, int value, string limit)
    {
        CaptureFileOptions options = option switch
        {
            nameof(CaptureFileOptions.BlockCount) => new() { BlockCount = value },
            nameof(CaptureFileOptions.BlockSize) => new() { BlockSize = value },
            nameof(CaptureFileOptions.ReadBufferSize) => new() { ReadBufferSize = value },
            _ => new() { MaxRecordLength = value },
        };
        RefusedCheaply(() => CaptureFileSource.Open(new MemoryStream(EmptyPcap), "limits", options: options), option, limit);
    }

    [Fact]
    public void Capture_file_blocks_together_are_limited_and_the_memory_bound_is_stated()
    {
        RefusedCheaply(() => CaptureFileSource.Open(new MemoryStream(EmptyPcap), "limits", options: new CaptureFileOptions { BlockCount = 1024, BlockSize = 64 << 20 }),
            nameof(CaptureFileOptions.BlockCount), "1073741824");
        var defaults = new CaptureFileOptions();
        Assert.Equal(5L * (256 * 1024 + 256 * 1024 + CaptureFileOptions.BlockOverhead) + 2 * 64 * 1024, defaults.MaxMemory);
    }

    [Fact]
    public void Writer_options_past_their_limit_are_refused()
    {
        RefusedCheaply(() => CaptureFileWriter.Create(new MemoryStream(), CaptureFileFormat.Pcap, options: new CaptureFileWriterOptions { FlushThreshold = int.MaxValue }),
            nameof(CaptureFileWriterOptions.FlushThreshold), "67108864");
        RefusedCheaply(() => CaptureFileWriter.Create(new MemoryStream(), CaptureFileFormat.Pcap, options: new CaptureFileWriterOptions { SnapLength = int.MaxValue }),
            nameof(CaptureFileWriterOptions.SnapLength), "134217728");
    }

    [Fact]
    public void Read_ahead_and_fan_out_capacities_past_their_limit_are_refused()
    {
        using CaptureFileSource source = CaptureFileSource.Open(new MemoryStream(EmptyPcap), "limits");
        RefusedCheaply(() => source.ReadAllAsync(int.MaxValue), "boundedCapacity", "1024");
        RefusedCheaply(() => source.ReadAllAsync(0), "boundedCapacity", "1024");
        RefusedCheaply(() => CaptureAsyncEnumerable.ReadAllAsync(() => source, 1025), "boundedCapacity", "1024");
        RefusedCheaply(() => source.ReadAllAsync(new CaptureAsyncOptions { BoundedCapacity = int.MaxValue }), nameof(CaptureAsyncOptions.BoundedCapacity), "1024");
        var target = new ActionBlock<PacketBlock>(b => b.Dispose());
        RefusedCheaply(() => new PacketBroadcaster([target], new FanOutOptions { BoundedCapacity = int.MaxValue }), nameof(FanOutOptions.BoundedCapacity), "1024");
    }

    [Fact]
    public void Socket_and_ring_options_past_their_limit_are_refused_before_a_socket_opens()
    {
        // 256 MiB x 4096 buffers (1 TiB) passed before; now the total is capped at 1 GiB.
        RefusedCheaply(() => new SocketOptions { BatchBufferSize = 1 << 28, BatchBufferCount = 4096 }.Validate(), nameof(SocketOptions.BatchBufferCount), "1073741824");
        RefusedCheaply(() => new SocketOptions { ReceiveBufferSize = int.MaxValue }.Validate(), nameof(SocketOptions.ReceiveBufferSize), "1 GiB");
        RefusedCheaply(() => new RingOptions { BlockSize = 4096, BlockCount = 10_000_000 }.Validate(), nameof(RingOptions.BlockCount), "65536");
        RefusedCheaply(() => new SocketSource("lo", new SocketOptions { BatchBufferSize = 1 << 28, BatchBufferCount = 4096 }), nameof(SocketOptions.BatchBufferCount), "1073741824");
    }
}
