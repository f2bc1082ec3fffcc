using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Dataflow;

/// <summary>The views that let several consumers share one lease, each with its own selection.</summary>
public class BlockViewTests
{
    [Fact]
    public void Views_share_a_lease_by_reference_and_each_dies_on_its_own()
    {
        using var source = new TestCaptureSource(16, packetsPerBlock: 16, poolBlocks: 1);
        Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? block));
        PacketBlock a = block!.CreateView();
        PacketBlock b = block!.CreateView();
        var outgoing = new TypeSelector(PacketTypes.Outgoing);
        Assert.Equal(4, a.Restrict(ref outgoing)); // a narrows; b and the block still show everything
        Assert.Equal(16, b.PacketCount);
        Assert.Equal(16, block!.PacketCount);
        block.Dispose(); // the owner's reference: the views keep the block leased
        Assert.Equal(0, source.FreeBlocks);

        PacketBlock.Enumerator ea = a.GetEnumerator();
        Assert.True(ea.MoveNext());
        PacketRef fromA = ea.Current;
        Assert.Equal(1, TestTraffic.IndexOf(fromA));
        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => fromA.Data.Length); // a's packets die with a ...
        Assert.Equal(0, source.FreeBlocks);
        int seen = 0;
        foreach (PacketRef p in b) Assert.Equal(seen++, TestTraffic.IndexOf(p)); // ... while b still reads the block
        Assert.Equal(16, seen);
        b.Dispose();
        Assert.True(source.AllBlocksReturned); // the last reference returned the block
    }

    [Fact]
    public void A_view_starts_from_what_its_parent_shows()
    {
        using var source = new TestCaptureSource(16, packetsPerBlock: 16, poolBlocks: 1);
        Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? block));
        var keep = new TypeSelector(PacketTypes.Host);
        block!.Restrict(ref keep);
        var everySecond = new EveryNthSelector(2);
        Assert.Equal(4, block.Restrict(ref everySecond)); // hosts are 0,2,4,6,8,10,12,14: keeps 2,6,10,14
        using PacketBlock view = block.CreateView();
        block.Dispose();
        var indices = new List<long>();
        foreach (PacketRef p in view) indices.Add(TestTraffic.IndexOf(p));
        Assert.Equal(new long[] { 2, 6, 10, 14 }, indices);
    }

    [Fact]
    public void A_view_of_a_released_block_cannot_be_made()
    {
        using var source = new TestCaptureSource(16, packetsPerBlock: 16, poolBlocks: 1);
        Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? block));
        block!.Dispose();
        Assert.Throws<ObjectDisposedException>(() => block.CreateView());
        Assert.True(source.AllBlocksReturned);
    }
}
