using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Tmds.Linux;

namespace SlimCap.Reactive.Interop;

/// <summary>
/// Interface queries through ioctl and if_nameindex. Unlike /sys/class/net, which shows the
/// namespace sysfs was mounted in, these answer for the calling thread's network namespace,
/// which is what an AF_PACKET socket opened on this thread will bind in (libpcap asks the same way).
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe partial class InterfaceIoctl
{
    private const int SIOCGIFFLAGS = 0x8913, SIOCGIFMTU = 0x8921, SIOCGIFHWADDR = 0x8927, SIOCGIFINDEX = 0x8933, SIOCGIFVLAN = 0x8982;
    private const int GET_VLAN_VID_CMD = 9;
    private const int AF_INET = 2, SOCK_DGRAM = 2, SOCK_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private struct IfReq
    {
        public fixed byte Name[16];
        public fixed byte Data[24];
    }

    [StructLayout(LayoutKind.Sequential, Size = 56)]
    private struct VlanIoctlArgs
    {
        public int Command;
        public fixed byte Device[24];
        public fixed byte Union[24];
        public short Qos;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IfNameIndex
    {
        public uint Index;
        public byte* Name;
    }

    /// <summary>What the kernel reports for one interface.</summary>
    public readonly record struct Description(int Index, int Flags, int Mtu, ushort HardwareType, byte[] HardwareAddress, bool IsVlan);

    /// <summary>The names of the calling thread's namespace's interfaces.</summary>
    public static List<string> Names()
    {
        var names = new List<string>();
        IfNameIndex* list = if_nameindex();
        if (list == null) return names;
        try
        {
            for (IfNameIndex* p = list; p->Index != 0 && p->Name != null; p++)
                names.Add(Marshal.PtrToStringUTF8((IntPtr)p->Name) ?? "");
        }
        finally
        {
            if_freenameindex(list);
        }
        return names;
    }

    /// <summary>Describes <paramref name="name"/>, or returns false when it does not exist.</summary>
    public static bool TryDescribe(string name, out Description description) => TryDescribe(name, null, out description);

    /// <summary>
    /// Describes <paramref name="name"/> in the namespace of <paramref name="socket"/> (any socket's
    /// ioctl falls through to the device ioctls of its own namespace), or of the calling thread when null.
    /// </summary>
    public static bool TryDescribe(string name, FileDescriptorHandle? socket, out Description description)
    {
        description = default;
        bool added = false;
        int fd;
        if (socket is not null)
        {
            try
            {
                socket.DangerousAddRef(ref added);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            fd = socket.Fd;
        }
        else
        {
            fd = LibC.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) return false;
        }
        try
        {
            IfReq request = Request(name);
            if (LibC.ioctl(fd, SIOCGIFINDEX, &request) != 0) return false;
            int index = *(int*)request.Data;
            request = Request(name);
            if (LibC.ioctl(fd, SIOCGIFFLAGS, &request) != 0) return false;
            int flags = *(ushort*)request.Data;
            request = Request(name);
            int mtu = LibC.ioctl(fd, SIOCGIFMTU, &request) == 0 ? *(int*)request.Data : 0;
            request = Request(name);
            ushort type = 0;
            byte[] address = [];
            if (LibC.ioctl(fd, SIOCGIFHWADDR, &request) == 0)
            {
                type = *(ushort*)request.Data;
                int length = type is 1 or 772 ? 6 : 0;
                address = new ReadOnlySpan<byte>(request.Data + 2, length).ToArray();
            }
            description = new Description(index, flags, mtu, type, address, IsVlan(fd, name));
            return true;
        }
        finally
        {
            if (socket is null) LibC.close(fd);
            else if (added) socket.DangerousRelease();
        }
    }

    private static bool IsVlan(int fd, string name)
    {
        VlanIoctlArgs args = default;
        args.Command = GET_VLAN_VID_CMD;
        CopyName(name, args.Device, 24);
        return LibC.ioctl(fd, SIOCGIFVLAN, &args) == 0;
    }

    private static IfReq Request(string name)
    {
        IfReq request = default;
        CopyName(name, request.Name, 16);
        return request;
    }

    private static void CopyName(string name, byte* destination, int capacity)
    {
        int n = Encoding.UTF8.GetBytes(name, new Span<byte>(destination, capacity - 1));
        destination[n] = 0;
    }

    [LibraryImport("libc")]
    private static partial IfNameIndex* if_nameindex();

    [LibraryImport("libc")]
    private static partial void if_freenameindex(IfNameIndex* list);
}
