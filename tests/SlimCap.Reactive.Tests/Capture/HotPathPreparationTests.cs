using System.Reflection;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

public class HotPathPreparationTests
{
    [Fact]
    public void Opening_a_live_source_prepares_the_hot_paths()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using RingSource ring = net.Capture(() => new RingSource(net.CaptureInterface, new RingOptions { BlockSize = 4096, BlockCount = 1 }));
        Assert.True(HotPathPreparation.IsPrepared, "opening a ring did not prepare the hot paths");
    }

    // Compiled once for all the cases below: each preparation reflects over the assembly and compiles every hot path.
    private static readonly Lazy<List<MethodInfo>> Prepared = new(HotPathPreparation.PrepareAll);

    // The surfaces' per-packet paths, generic ones (the callbacks' walks, for a class state) included.
    [Theory]
    [InlineData("SlimCap.Reactive.Ring.RingBlock", "ReadNext")]
    [InlineData("SlimCap.Reactive.Ring.RingBlock", "VisitPayloads")]
    [InlineData("SlimCap.Reactive.Packets.CaptureSource", "NextPacket")]
    [InlineData("SlimCap.Reactive.Packets.CaptureSource", "Dispatch")]
    [InlineData("SlimCap.Reactive.CapturePacketEnumerator", "MoveToNextBlockAsync")]
    [InlineData("SlimCap.Reactive.Capture.CaptureLoop", "ReadAll")]
    public void Preparation_compiles_each_surfaces_walk(string type, string method)
    {
        List<MethodInfo> prepared = Prepared.Value;
        Assert.Contains(prepared, m => m.DeclaringType!.FullName == type && m.Name == method);
        Assert.All(prepared, m => Assert.True((m.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0, m.Name));
    }
}
