namespace SlimCap.Reactive.Files;

/// <summary>The container format of a capture file.</summary>
public enum CaptureFileFormat
{
    /// <summary>Classic pcap (libpcap's savefile format), with microsecond or nanosecond timestamps.</summary>
    Pcap = 0,
    /// <summary>pcapng (draft-ietf-opsawg-pcapng).</summary>
    PcapNg = 1,
}
