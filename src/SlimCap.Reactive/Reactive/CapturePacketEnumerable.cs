using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive;

/// <summary>
/// The packets of a capture, as <see cref="CaptureAsyncEnumerable.ReadAllAsync(CaptureSource, CancellationToken)"/>
/// returns them: each enumeration gets its own capture, a <see cref="CapturePacketEnumerator"/>. A concrete type, so
/// that <c>await foreach</c> calls the enumerator's members directly instead of through the interface.
/// </summary>
public sealed class CapturePacketEnumerable : IAsyncEnumerable<PacketRef>
{
    private readonly CaptureSource? _source;
    private readonly Func<CaptureSource>? _openSource;
    private readonly int _capacity;
    private readonly AsyncContinuation _continuation;
    private readonly CancellationToken _cancellationToken;

    internal CapturePacketEnumerable(CaptureSource? source, Func<CaptureSource>? openSource, int capacity, AsyncContinuation continuation,
        CancellationToken cancellationToken)
    {
        _source = source;
        _openSource = openSource;
        _capacity = capacity;
        _continuation = continuation;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Starts an enumeration: its capture begins at the first <c>MoveNextAsync</c>.</summary>
    /// <param name="enumeratorToken">Stops the enumeration too, besides the token given to <c>ReadAllAsync</c> (<c>WithCancellation</c> passes it).</param>
    public CapturePacketEnumerator GetAsyncEnumerator(CancellationToken enumeratorToken = default)
    {
        // As [EnumeratorCancellation]: the method's token and WithCancellation's both stop the enumeration.
        CancellationTokenSource? linked = null;
        CancellationToken token = _cancellationToken;
        if (enumeratorToken.CanBeCanceled && enumeratorToken != _cancellationToken)
        {
            if (_cancellationToken.CanBeCanceled)
            {
                linked = CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken, enumeratorToken);
                token = linked.Token;
            }
            else
            {
                token = enumeratorToken;
            }
        }
        return new CapturePacketEnumerator(_source, _openSource, _capacity, _continuation, token, linked);
    }

    IAsyncEnumerator<PacketRef> IAsyncEnumerable<PacketRef>.GetAsyncEnumerator(CancellationToken cancellationToken) => GetAsyncEnumerator(cancellationToken);
}
