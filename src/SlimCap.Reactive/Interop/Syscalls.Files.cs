using System.Runtime.InteropServices;
using System.Text;
using Tmds.Linux;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Interop;

/// <summary>The syscalls a capture file read from a FIFO, pipe, terminal or socket needs.</summary>
internal static unsafe partial class Syscalls
{
    /// <summary>
    /// open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC): non-blocking so that opening a FIFO does not wait for a writer
    /// (the reads wait in poll instead, where a wake can reach them).
    /// </summary>
    /// <exception cref="FileNotFoundException">ENOENT.</exception>
    /// <exception cref="UnauthorizedAccessException">EACCES or EPERM.</exception>
    /// <exception cref="IOException">Any other errno, named.</exception>
    public static FileDescriptorHandle OpenForReading(string path)
    {
        byte[] name = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, name);
        int fd;
        fixed (byte* p = name)
        {
            do fd = LibC.open(p, LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
            while (fd < 0 && Errno.Last == Errno.EINTR);
        }
        if (fd < 0)
        {
            int errno = Errno.Last;
            string message = $"open({path}) failed: {Errno.Name(errno)} ({Errno.Describe(errno)})";
            throw errno switch
            {
                Errno.ENOENT => new FileNotFoundException(message, path),
                Errno.EACCES or Errno.EPERM => new UnauthorizedAccessException(message),
                _ => new IOException(message, errno),
            };
        }
        return new FileDescriptorHandle(fd);
    }

    /// <summary>True when <paramref name="fd"/> is a regular file (fstat), which can be read without waiting.</summary>
    public static bool IsRegularFile(int fd)
    {
        stat st;
        if (LibC.fstat(fd, &st) != 0) return false;
        return (st.st_mode & LibC.S_IFMT) == LibC.S_IFREG;
    }

    /// <summary>read(2) into <paramref name="buffer"/>: the count (0 at the end), or -errno; EINTR retried.</summary>
    public static int Read(FileDescriptorHandle fd, Span<byte> buffer)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint rv = read(fd.Fd, p, (nuint)buffer.Length);
                    if (rv >= 0) return (int)rv;
                    int errno = Errno.Last;
                    if (errno != Errno.EINTR) return -errno;
                }
            }
        }
        finally
        {
            if (added) fd.DangerousRelease();
        }
    }

    // Declared here with SetLastError, as ppoll is: the caller sorts on the errno of this very call.
    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nuint count);
}
