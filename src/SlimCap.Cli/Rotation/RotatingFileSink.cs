using SlimCap.Cli.Output;
using SlimCap.Reactive;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Cli.Rotation;

/// <summary>
/// Capture files that rotate by size, time, packet count or any mix of them (<see cref="RotationPolicy"/>). Each file is
/// written under a temporary name and renamed into place once complete, so a reader never sees a half-written file;
/// at most <see cref="RotationPolicy.MaxFiles"/> files exist at once, the file being written included.
/// </summary>
internal sealed class RotatingFileSink : IPacketSink
{
    private readonly RotationPolicy _policy;
    private readonly RotationFileNames _names;
    private readonly CaptureFileFormat _format;
    private readonly CaptureFileWriterOptions _options;
    private readonly RotateHook? _hook;
    private readonly TimeProvider _clock;
    private readonly Queue<string> _finished = new();
    private CaptureFileWriter? _writer;
    private string? _path;
    private DateTimeOffset? _periodEnd;
    private long _packetsInFile;
    private long _counter;

    public RotatingFileSink(string path, RotationPolicy policy, CaptureFileWriterOptions options, RotateHook? hook, TimeProvider? clock = null)
    {
        _policy = policy;
        _names = new RotationFileNames(path);
        _format = CaptureFileWriter.FormatFor(path);
        _options = options;
        _hook = hook;
        _clock = clock ?? TimeProvider.System;
        // The first file opens at once, so a directory that cannot be written fails before the capture starts.
        Open(_clock.GetUtcNow());
    }

    /// <summary>Files finished (renamed into place) so far.</summary>
    public long FilesFinished { get; private set; }

    public void Write(in PacketRef packet)
    {
        DateTimeOffset time = packet.Timestamp;
        if (_writer is not null && time >= _periodEnd) Finish();
        if (_writer is null) Open(time);
        _writer!.Write(packet);
        _packetsInFile++;
        if (_packetsInFile >= _policy.MaxPackets || _writer.BytesWritten >= _policy.MaxBytes) Finish();
    }

    public void Idle(DateTimeOffset now)
    {
        if (_writer is null) return;
        if (now >= _periodEnd) Finish();
        else _writer.Flush();
    }

    public void Complete()
    {
        if (_writer is not null) Finish();
    }

    private void Open(DateTimeOffset time)
    {
        // The ring holds the new file too: make room first.
        while (_policy.MaxFiles is int max && _finished.Count + 1 > max)
            File.Delete(_finished.Dequeue());
        _counter++;
        DateTimeOffset start = _policy.PeriodStart(time);
        _path = _names.PathOf(_counter, start);
        var stream = new FileStream(_path + RotationFileNames.PartialSuffix, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 1);
        _writer = CaptureFileWriter.Create(stream, _format, _path, leaveOpen: false, _options);
        _periodEnd = _policy.PeriodEnd(start);
        _packetsInFile = 0;
    }

    private void Finish()
    {
        CaptureFileWriter writer = _writer!;
        string path = _path!;
        _writer = null;
        writer.Dispose();
        File.Move(path + RotationFileNames.PartialSuffix, path, overwrite: false);
        _finished.Enqueue(path);
        FilesFinished++;
        _hook?.Run(path);
    }
}
