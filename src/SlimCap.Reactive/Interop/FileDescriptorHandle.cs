using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Tmds.Linux;

namespace SlimCap.Reactive.Interop;

/// <summary>
/// Owns one file descriptor. Every syscall on it holds a reference (DangerousAddRef) so a
/// concurrent close cannot hand the number to someone else while the call runs.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd) : this(fd, ownsHandle: true) { }

    /// <summary>A handle that closes <paramref name="fd"/> on dispose only when <paramref name="ownsHandle"/> (not stdin's).</summary>
    public FileDescriptorHandle(int fd, bool ownsHandle) : base(new IntPtr(-1), ownsHandle) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    public int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => LibC.close((int)handle.ToInt64()) == 0;
}
