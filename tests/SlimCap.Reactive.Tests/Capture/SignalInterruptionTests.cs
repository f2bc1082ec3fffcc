using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Capture;

/// <summary>A signal that interrupts the reader's ppoll (EINTR) is retried, not reported as an error.</summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class SignalInterruptionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_signal_during_the_wait_is_retried_and_the_reader_keeps_waiting(bool ring)
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        using LiveCaptureSource source = net.Capture<LiveCaptureSource>(() => ring ? new RingSource(net.CaptureInterface) : new SocketSource(net.CaptureInterface));
        // The socket source's recvmmsg finds nothing queued (EAGAIN) right before it waits: the stale errno a wrong read would report.
        CaptureStatus? result = null;
        Exception? error = null;
        int tid = 0;
        var reader = new Thread(() =>
        {
            Volatile.Write(ref tid, ThreadProbe.CurrentThreadId);
            try
            {
                result = source.NextBlock(out PacketBlock? block);
                block?.Dispose();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        reader.Start();
        SpinWait.SpinUntil(() => Volatile.Read(ref tid) != 0);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(ThreadProbe.WaitUntilInSyscall(tid, ThreadProbe.PpollSyscall), "the reader is not waiting in ppoll");
            ThreadProbe.Interrupt(tid);
            Thread.Sleep(20);
        }
        Assert.True(reader.IsAlive, $"the reader returned on a signal: {result} {error}");
        source.Unblock();
        Assert.True(reader.Join(5000));
        Assert.Null(error);
        Assert.Equal(CaptureStatus.Unblocked, result);
    }
}
