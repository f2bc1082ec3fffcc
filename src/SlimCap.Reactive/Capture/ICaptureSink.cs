using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Capture;

/// <summary>Where a <see cref="CaptureLoop"/> delivers what it reads. All calls come from the capture thread, serialized.</summary>
internal interface ICaptureSink
{
    /// <summary>
    /// Takes ownership of <paramref name="block"/>. False when the sink has nobody left to deliver to (it disposed the
    /// block): the capture stops. If it throws, the loop treats the block as not taken and the capture ends.
    /// </summary>
    bool OnBlock(PacketBlock block);

    /// <summary>The capture failed; no more calls follow.</summary>
    void OnError(Exception error);

    /// <summary>The source stopped (closed, or the file ended); no more calls follow.</summary>
    void OnCompleted();

    /// <summary>
    /// <see cref="OnBlock"/> threw <paramref name="error"/>: the capture ended and released its blocks and source. The
    /// last call; it must not throw (it runs on the capture thread, where an exception would end the process).
    /// </summary>
    void OnSinkFault(Exception error);
}
