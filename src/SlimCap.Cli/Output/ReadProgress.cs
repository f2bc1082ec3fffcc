using System.Diagnostics;
using SlimCap.Reactive.Files;

namespace SlimCap.Cli.Output;

/// <summary>
/// Progress of a long file read on stderr, redrawn in place a few times a second, only when stderr is a terminal (a
/// pipe or a log gets no carriage returns) and only for a regular file whose size is known.
/// </summary>
internal sealed class ReadProgress(TextWriter stderr, CaptureFileSource source, string path, bool enabled)
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);
    private readonly long _length = enabled && path != "-" && File.Exists(path) ? new FileInfo(path).Length : 0;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _next = Every;
    private bool _drawn;

    /// <summary>Redraws the line if it is time; cheap otherwise (called after every block).</summary>
    public void Update(long records)
    {
        if (_length == 0 || _clock.Elapsed < _next) return;
        _next = _clock.Elapsed + Every;
        // A gzip file's position counts decompressed bytes, so its share of the file is not known.
        string share = source.IsCompressed ? "" : $" {Math.Min(100, 100.0 * source.Position / _length):0}%";
        stderr.Write($"\rslimcap: reading {path}:{share} {records} records");
        _drawn = true;
    }

    /// <summary>Clears the line, so the summary that follows starts at the left edge.</summary>
    public void Clear()
    {
        if (_drawn) stderr.Write("\r\u001b[K");
    }
}
