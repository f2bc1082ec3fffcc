using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Filters;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>Invalid options are refused with the option's name, before any socket exists (these run unprivileged).</summary>
public sealed class OptionValidationTests
{
    [Theory]
    [InlineData(0, 4, 100, "BlockSize")]
    [InlineData(-5, 4, 100, "BlockSize")]
    [InlineData(1 << 20, 0, 100, "BlockCount")]
    [InlineData(1 << 30, 1 << 10, 100, "BlockCount")]
    [InlineData(1 << 20, 4, 0, "BlockTimeout")]
    public void Ring_geometry_is_checked(int blockSize, int blockCount, int timeoutMs, string option)
    {
        var options = new RingOptions { BlockSize = blockSize, BlockCount = blockCount, BlockTimeout = TimeSpan.FromMilliseconds(timeoutMs) };
        var error = Assert.Throws<InvalidCaptureOptionException>(() => new RingSource("lo", options));
        Assert.Equal(option, error.OptionName);
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void Block_size_is_rounded_to_pages()
    {
        var options = new RingOptions { BlockSize = 5000, BlockCount = 3 };
        options.Validate();
        Assert.Equal(8192, options.EffectiveBlockSize);
        Assert.Equal(3 * 8192, options.RingSize);
        Assert.Equal(1 << 20, new RingOptions().EffectiveBlockSize);
        Assert.Equal(4 << 20, new RingOptions().RingSize);
    }

    [Fact]
    public void Filter_options_that_cannot_combine_are_refused()
    {
        var extra = new[] { BpfInstruction.Return(1) };
        Assert.Equal("ExtraBpfInstructions", Assert.Throws<InvalidCaptureOptionException>(() => new RingSource("lo", new RingOptions { ExtraBpfInstructions = extra })).OptionName);
        var own = BpfProgram.AcceptAll(100);
        Assert.Equal("BpfFilter", Assert.Throws<InvalidCaptureOptionException>(() => new SocketSource("lo", new SocketOptions { BpfFilter = own, AutoBpfFilter = true })).OptionName);
        Assert.Equal("IgnoreVlans", Assert.Throws<InvalidCaptureOptionException>(() => new SocketSource("lo", new SocketOptions { BpfFilter = own, IgnoreVlans = true })).OptionName);
        Assert.Equal("BatchBufferSize", Assert.Throws<InvalidCaptureOptionException>(() => new SocketSource("lo", new SocketOptions { BatchBufferSize = 10 })).OptionName);
        Assert.Throws<InvalidCaptureOptionException>(() => CaptureLength.Fixed(0));
        Assert.Throws<InvalidCaptureOptionException>(() => CaptureLength.Fixed(CaptureLength.Maximum + 1));
    }

    [Fact]
    public void Frame_size_follows_slimcaps_rule()
    {
        Assert.Equal(256, RingOptions.FrameSize(1 << 20, 128)); // 48 + 128 = 176; the first multiple of 16 from there that divides 1 MiB
        Assert.Equal(192, RingOptions.FrameSize(3 * 4096, 128));
        Assert.Equal(1 << 19, RingOptions.FrameSize(1 << 20, CaptureLength.Maximum));
        Assert.Equal(4096, RingOptions.FrameSize(4096, CaptureLength.Maximum));
        // Never below the kernel's TPACKET3_HDRLEN (68): slimcap's 48 + snap would give 64 for snap 1 to 16, which
        // packet_set_ring refuses. From 80 up, the first multiple of 16 that divides the block.
        for (int snap = 1; snap <= 16; snap++)
        {
            Assert.Equal(128, RingOptions.FrameSize(1 << 20, snap));
            Assert.Equal(96, RingOptions.FrameSize(3 * 4096, snap));
        }
    }
}
