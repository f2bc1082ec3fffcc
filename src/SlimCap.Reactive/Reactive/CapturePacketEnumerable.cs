using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>The <see cref="IAsyncEnumerable{T}"/> behind <see cref="CaptureAsyncEnumerable.ReadAllAsync(CaptureSource, CancellationToken)"/>: each enumeration gets its own capture, a <see cref="CapturePacketEnumerator"/>.</summary>
internal sealed class CapturePacketEnumerable(CaptureSource? source, Func<CaptureSource>? openSource, int capacity, AsyncContinuation continuation,
    CancellationToken cancellationToken) : IAsyncEnumerable<PacketRef>
{
    public IAsyncEnumerator<PacketRef> GetAsyncEnumerator(CancellationToken enumeratorToken = default)
    {
        // As [EnumeratorCancellation]: the method's token and WithCancellation's both stop the enumeration.
        CancellationTokenSource? linked = null;
        CancellationToken token = cancellationToken;
        if (enumeratorToken.CanBeCanceled && enumeratorToken != cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, enumeratorToken);
                token = linked.Token;
            }
            else
            {
                token = enumeratorToken;
            }
        }
        return new CapturePacketEnumerator(source, openSource, capacity, continuation, token, linked);
    }
}
