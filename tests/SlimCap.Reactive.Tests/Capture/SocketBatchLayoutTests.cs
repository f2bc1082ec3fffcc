using System.Runtime.InteropServices;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Interop;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>
/// The pieces the socket source's recvmmsg batching rests on, checked without a socket (these run
/// unprivileged): the native layouts the kernel reads, the slot checks that keep it inside the
/// buffer, and the moving of slot data into packed records.
/// </summary>
public sealed class SocketBatchLayoutTests
{
    [Fact]
    public unsafe void Message_vector_matches_the_X64_layout()
    {
        // struct msghdr is 56 bytes on x86-64 / arm64, struct mmsghdr 64 with msg_len at 56; a wrong
        // size would make the kernel read message i's header from the middle of message i - 1.
        Assert.Equal(56, sizeof(MsgHdr));
        Assert.Equal(64, sizeof(MMsgHdr));
        Assert.Equal(56, (int)Marshal.OffsetOf<MMsgHdr>(nameof(MMsgHdr.Length)));
        Assert.Equal(16, (int)Marshal.OffsetOf<MsgHdr>(nameof(MsgHdr.Iov)));
        Assert.Equal(32, (int)Marshal.OffsetOf<MsgHdr>(nameof(MsgHdr.Control)));
        Assert.Equal(48, (int)Marshal.OffsetOf<MsgHdr>(nameof(MsgHdr.Flags)));
        Assert.Equal(16, sizeof(IoVec));
        Assert.Equal(20, sizeof(SockaddrLl));
        Assert.Equal(20, sizeof(TPacketAuxdata));
    }

    [Theory]
    [InlineData(0, 100, 100, 1000)]      // no message
    [InlineData(1025, 10, 10, 1 << 20)]  // beyond the vector
    [InlineData(3, 100, 99, 1000)]       // slots overlap
    [InlineData(10, 100, 100, 999)]      // the last slot ends past the region
    [InlineData(1, 1001, 1001, 1000)]    // one slot larger than the region
    public void Slots_outside_the_region_are_refused_before_the_call(int count, int slotLength, int stride, int regionLength)
    {
        var receiver = new PacketBatchReceiver(PacketBatchReceiver.MaxMessages);
        byte[] region = GC.AllocateArray<byte>(regionLength, pinned: true);
        // fd -1: were the call made, it would fail with EBADF instead of throwing.
        Assert.Throws<ArgumentOutOfRangeException>(() => receiver.Receive(-1, region, stride, slotLength, count));
    }

    [Fact]
    public void Slots_that_fit_reach_the_kernel()
    {
        var receiver = new PacketBatchReceiver(4);
        byte[] region = GC.AllocateArray<byte>(400, pinned: true);
        // The exact fit passes the checks; the closed descriptor then answers EBADF.
        Assert.Equal(-Errno.EBADF, receiver.Receive(-1, region, 100, 100, 4));
    }

    [Fact]
    public void Slot_data_is_moved_into_packed_records_byte_exact()
    {
        var pool = new SocketBatchPool(1, 4096);
        SocketBatch block = pool.TryRent()!;
        const int snap = 301, stride = (SocketBatch.HeaderSize + snap + 7) & ~7;
        int[] lengths = [301, 1, 77, 300, 8];
        int first = block.AppendDataOffset;
        Span<byte> region = block.GetAppendSpan();
        // As recvmmsg would: packet i at slot i, each byte naming its packet and position.
        for (int i = 0; i < lengths.Length; i++)
            for (int j = 0; j < lengths[i]; j++)
                region[i * stride + j] = (byte)(i * 31 + j);
        for (int i = 0; i < lengths.Length; i++)
            block.CommitAt(first + i * stride, lengths[i], 1000 + i, 10 + i, PacketType.Broadcast, 14, LinkType.Ethernet, 7, (ushort)i, 0x8100, i % 2 == 0);
        PacketBlock lease = block.Publish(1)!;

        int n = 0;
        foreach (PacketRef p in lease)
        {
            Assert.Equal(lengths[n], p.CapturedLength);
            Assert.Equal(1000 + n, p.TotalLength);
            Assert.Equal(10 + n, p.TimestampNanoseconds);
            Assert.Equal(n, p.VlanTci);
            Assert.Equal(n % 2 == 0, p.HasVlan);
            for (int j = 0; j < lengths[n]; j++) Assert.Equal((byte)(n * 31 + j), p.Data[j]);
            n++;
        }
        Assert.Equal(lengths.Length, n);
        // Packed, not at slot spacing: the 5 records take less than 5 slots, so the block holds more.
        Assert.True(block.AppendDataOffset < first + lengths.Length * stride - stride);
        lease.Dispose();
    }

    [Fact]
    public void Slot_data_before_the_append_point_is_refused()
    {
        var pool = new SocketBatchPool(1, 4096);
        SocketBatch block = pool.TryRent()!;
        block.CommitAt(block.AppendDataOffset, 10, 10, 1, PacketType.Host, 14, LinkType.Ethernet, 1, 0, 0, false);
        // Moving data up would overwrite slots not yet committed; a caller bug, refused.
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            block.CommitAt(block.AppendDataOffset - 8, 10, 10, 1, PacketType.Host, 14, LinkType.Ethernet, 1, 0, 0, false));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            block.CommitAt(4090, 10, 10, 1, PacketType.Host, 14, LinkType.Ethernet, 1, 0, 0, false));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1025)]
    public void Messages_per_call_outside_the_kernel_limit_is_refused(int messages)
    {
        var error = Assert.Throws<InvalidCaptureOptionException>(() => new SocketSource("lo", new SocketOptions { MessagesPerCall = messages }));
        Assert.Equal(nameof(SocketOptions.MessagesPerCall), error.OptionName);
        Assert.Contains("1024", error.Message);
    }

    [Fact]
    public void Messages_per_call_bounds_are_accepted()
    {
        new SocketOptions { MessagesPerCall = 1 }.Validate();
        new SocketOptions { MessagesPerCall = 1024 }.Validate();
        Assert.Equal(SocketOptions.DefaultMessagesPerCall, new SocketOptions().MessagesPerCall);
    }
}
