using SlimCap.Reactive;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Output;

/// <summary>Where a command's packets go: a file, rotating files, printed lines, JSON lines.</summary>
/// <remarks>Calls come from one thread, in order; <see cref="Complete"/> is the last and is called once.</remarks>
internal interface IPacketSink
{
    /// <summary>Takes one packet; it is valid only for the duration of the call.</summary>
    void Write(in PacketRef packet);

    /// <summary>Called when no packet came for a while (and at least at each rotation boundary), with the wall-clock time.</summary>
    void Idle(DateTimeOffset now);

    /// <summary>Finishes every file and flushes every line; after it the output is complete and valid.</summary>
    void Complete();
}
