namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>The kernel resources capture uses, read from /proc/self: sockets, eventfds and ring mappings.</summary>
internal readonly record struct ProcessResources(int Sockets, int EventFds, int SocketMappings, int AllDescriptors)
{
    public static ProcessResources Read()
    {
        int sockets = 0, eventFds = 0, all = 0;
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            all++;
            string? target = null;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
            }
            if (target is null) continue;
            if (target.StartsWith("socket:", StringComparison.Ordinal)) sockets++;
            else if (target.Contains("eventfd", StringComparison.Ordinal)) eventFds++;
        }
        int mappings = File.ReadLines("/proc/self/maps").Count(l => l.Contains("socket:[", StringComparison.Ordinal));
        return new ProcessResources(sockets, eventFds, mappings, all);
    }

    /// <summary>
    /// True once the capture resources are back to <paramref name="start"/>, waiting up to a second: an interface
    /// look-up elsewhere in the process holds a socket for a moment.
    /// </summary>
    public static bool ReturnsTo(ProcessResources start) =>
        SpinWait.SpinUntil(() => Read().SameCaptureResourcesAs(start), 1000);

    /// <summary>Descriptors of this process open on <paramref name="path"/>.</summary>
    public static int DescriptorsOn(string path)
    {
        string full = Path.GetFullPath(path);
        int count = 0;
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == full) count++;
            }
            catch (IOException)
            {
            }
        }
        return count;
    }

    /// <summary>
    /// True when there are no more sockets, eventfds or ring mappings than in <paramref name="other"/> (other tests'
    /// and the runtime's own sockets may close meanwhile; none of ours may stay open).
    /// </summary>
    public bool NoMoreCaptureResourcesThan(ProcessResources other) =>
        Sockets <= other.Sockets && EventFds <= other.EventFds && SocketMappings <= other.SocketMappings;

    /// <summary>True when no socket, eventfd or ring mapping was added (the runtime's own descriptors may vary slightly).</summary>
    public bool SameCaptureResourcesAs(ProcessResources other) =>
        Sockets == other.Sockets && EventFds == other.EventFds && SocketMappings == other.SocketMappings;
}
