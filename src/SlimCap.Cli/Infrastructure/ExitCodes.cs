namespace SlimCap.Cli.Infrastructure;

/// <summary>The tool's exit codes, as README.md documents them.</summary>
internal static class ExitCodes
{
    /// <summary>Done: everything asked for was captured, read or written.</summary>
    public const int Ok = 0;

    /// <summary>A capture or file error: no such interface, no permission, a damaged file, a disk that is full.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: an unknown option, a bad value, a combination that cannot work.</summary>
    public const int Usage = 2;
}
