using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>A packet as a test keeps it: a copy of the bytes and every piece of metadata.</summary>
internal sealed record CapturedFrame(byte[] Data, long TotalLength, PacketType Type, long TimestampNs, bool HasVlan, ushort VlanTci,
    ushort VlanTpid, int InterfaceIndex, int IpLayerOffset, LinkType LinkType)
{
    public long Sequence => Frames.SequenceOf(Data);

    public static CapturedFrame From(in PacketRef p) =>
        new(p.Data.ToArray(), p.TotalLength, p.Type, p.TimestampNanoseconds, p.HasVlan, p.VlanTci, p.VlanTpid, p.InterfaceIndex, p.IpLayerOffset, p.LinkType);
}

/// <summary>Reads test frames from a source on a background thread until enough arrived or a deadline passed (then the source is closed, so nothing hangs).</summary>
internal sealed class CaptureReader : IDisposable
{
    private readonly CaptureSource _source;
    private readonly Thread _thread;
    private readonly Timer _deadline;
    private readonly int _wanted;
    private readonly Func<CapturedFrame, bool> _counts;
    private readonly List<CapturedFrame> _frames = new();
    private readonly ManualResetEventSlim _done = new();
    private Exception? _failure;

    public CaptureReader(CaptureSource source, int wanted, Func<CapturedFrame, bool>? counts = null, int deadlineSeconds = 30)
    {
        _source = source;
        _wanted = wanted;
        _counts = counts ?? (f => f.Sequence >= 0);
        _deadline = new Timer(_ => source.Dispose(), null, TimeSpan.FromSeconds(deadlineSeconds), Timeout.InfiniteTimeSpan);
        _thread = new Thread(Run) { IsBackground = true, Name = "test capture reader" };
        _thread.Start();
    }

    public List<CapturedFrame> Frames => _frames;

    /// <summary>All frames read, including ones the predicate did not count.</summary>
    public int TotalRead { get; private set; }

    private void Run()
    {
        try
        {
            int counted = 0;
            while (counted < _wanted)
            {
                CaptureStatus status = _source.NextPacketRef(out PacketRef packet);
                if (status == CaptureStatus.Stopped) break;
                if (status != CaptureStatus.Packet) continue;
                var frame = CapturedFrame.From(packet);
                TotalRead++;
                if (_counts(frame))
                {
                    _frames.Add(frame);
                    counted++;
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception e)
        {
            _failure = e;
        }
        finally
        {
            _done.Set();
        }
    }

    /// <summary>Waits for the reader to finish and returns what it counted.</summary>
    public List<CapturedFrame> Wait()
    {
        _done.Wait(TimeSpan.FromSeconds(60));
        _deadline.Dispose();
        if (_failure is not null) throw new InvalidOperationException("the capture reader failed", _failure);
        return _frames;
    }

    public void Dispose()
    {
        _deadline.Dispose();
        _done.Dispose();
    }
}
