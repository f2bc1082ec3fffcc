using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>A captured test frame with the group member that captured it.</summary>
internal readonly record struct MemberFrame(int Member, long Sequence, int Length, byte[] Data);

/// <summary>
/// Records every test frame a fan-out group captures, through the merged block stream, until enough arrived or a
/// deadline passed; blocks are disposed as soon as they are read.
/// </summary>
internal sealed class GroupCollector : IDisposable
{
    private readonly object _gate = new();
    private readonly List<MemberFrame> _frames = new();
    private readonly IDisposable _subscription;
    private readonly int _wanted;
    private readonly ManualResetEventSlim _enough = new();
    private readonly bool _keepBytes;
    private Exception? _error;

    public GroupCollector(FanoutGroupSource group, int wanted, bool keepBytes = false)
    {
        _wanted = wanted;
        _keepBytes = keepBytes;
        _subscription = group.ToObservable().Subscribe(OnBlock, e => { _error = e; _enough.Set(); }, () => _enough.Set());
    }

    private void OnBlock(PacketBlock block)
    {
        using (block)
        {
            lock (_gate)
            {
                foreach (PacketRef p in block)
                {
                    long sequence = Frames.SequenceOf(p.Data);
                    if (sequence < 0) continue;
                    if (p.FanoutMember != block.FanoutMember) throw new InvalidOperationException("a packet's member differs from its block's");
                    _frames.Add(new MemberFrame(block.FanoutMember, sequence, p.Data.Length, _keepBytes ? p.Data.ToArray() : []));
                }
                if (_frames.Count >= _wanted) _enough.Set();
            }
        }
    }

    /// <summary>Waits until the wanted count arrived (or the deadline), then stops the stream and returns what was recorded.</summary>
    public List<MemberFrame> Wait(int seconds = 20)
    {
        _enough.Wait(TimeSpan.FromSeconds(seconds));
        // A short settle, so that a frame captured twice (the bug these tests look for) has time to show up.
        Thread.Sleep(50);
        _subscription.Dispose();
        if (_error is not null) throw new InvalidOperationException("the group stream failed", _error);
        lock (_gate) return new List<MemberFrame>(_frames);
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _enough.Dispose();
    }
}
