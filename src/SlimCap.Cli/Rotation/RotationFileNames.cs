using System.Globalization;

namespace SlimCap.Cli.Rotation;

/// <summary>
/// dumpcap-style names for rotated files: <c>out.pcapng</c> becomes <c>out_00001_20261201T120000Z.pcapng</c> (a counter
/// from 1 and the file's start in UTC), written first as that name plus <see cref="PartialSuffix"/>.
/// </summary>
internal sealed class RotationFileNames
{
    /// <summary>Appended to a file's name while it is being written; it is renamed into place when complete.</summary>
    public const string PartialSuffix = ".part";

    private readonly string _directory;
    private readonly string _stem;
    private readonly string _extension;

    public RotationFileNames(string path)
    {
        _directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        _stem = Path.GetFileNameWithoutExtension(path);
        _extension = Path.GetExtension(path);
        if (_extension.Length == 0) _extension = ".pcap";
    }

    /// <summary>The final path of file number <paramref name="counter"/> started at <paramref name="start"/>.</summary>
    public string PathOf(long counter, DateTimeOffset start) =>
        Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture,
            $"{_stem}_{counter:D5}_{start.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}{_extension}"));
}
