namespace SlimCap.Reactive;

/// <summary>Where a <see cref="CaptureLoop"/> delivers what it reads. All calls come from the capture thread, serialized.</summary>
internal interface ICaptureSink
{
    /// <summary>Takes ownership of <paramref name="block"/>. If it throws, the loop treats the block as not taken.</summary>
    void OnBlock(PacketBlock block);

    /// <summary>The capture failed; no more calls follow.</summary>
    void OnError(Exception error);

    /// <summary>The source stopped (closed, or the file ended); no more calls follow.</summary>
    void OnCompleted();
}
