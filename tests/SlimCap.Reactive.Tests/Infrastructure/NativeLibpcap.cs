using System.Runtime.InteropServices;
using SlimCap.Reactive.Filters;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// The system's libpcap (installed with tcpdump) called directly, as tcpdump -r FILE would compile: pcap_open_offline
/// on the reference Ethernet file (so libpcap knows it reads a savefile), pcap_compile with netmask 0. Thousands of
/// compiles a second, where starting tcpdump per expression would take minutes. Skips when libpcap is missing.
/// </summary>
internal static partial class NativeLibpcap
{
    private const string Library = "libpcap.so.0.8";
    private static readonly object Gate = new();
    private static readonly Lazy<IntPtr> Handle = new(Open);

    [StructLayout(LayoutKind.Sequential)]
    private struct BpfProgramNative
    {
        public uint Length;
        public IntPtr Instructions;
    }

    [LibraryImport(Library, EntryPoint = "pcap_open_offline", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr OpenOffline(string path, byte[] errbuf);

    [LibraryImport(Library, EntryPoint = "pcap_compile", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int CompileNative(IntPtr pcap, ref BpfProgramNative program, string expression, int optimize, uint netmask);

    [LibraryImport(Library, EntryPoint = "pcap_freecode")]
    private static partial void FreeCode(ref BpfProgramNative program);

    [LibraryImport(Library, EntryPoint = "pcap_geterr")]
    private static partial IntPtr GetError(IntPtr pcap);

    public static bool Available => Handle.Value != IntPtr.Zero;

    public static void SkipUnlessAvailable()
    {
        if (!Available) Assert.Skip($"libpcap ({Library}, installed with tcpdump) cannot be loaded; libpcap cannot be asked.");
    }

    private static IntPtr Open()
    {
        try
        {
            var errbuf = new byte[256];
            return OpenOffline(TcpdumpCompiler.ReferenceFile, errbuf);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return IntPtr.Zero;
        }
    }

    /// <summary>libpcap's program for <paramref name="expression"/>, or its error message.</summary>
    public static (BpfInstruction[]? Program, string? Error) Compile(string expression, bool optimize = true)
    {
        lock (Gate)
        {
            var program = new BpfProgramNative();
            if (CompileNative(Handle.Value, ref program, expression, optimize ? 1 : 0, 0) != 0)
                return (null, Marshal.PtrToStringUTF8(GetError(Handle.Value)));
            var code = new BpfInstruction[program.Length];
            for (int i = 0; i < code.Length; i++)
            {
                IntPtr p = program.Instructions + i * 8;
                code[i] = new BpfInstruction((ushort)Marshal.ReadInt16(p), Marshal.ReadByte(p, 2), Marshal.ReadByte(p, 3), (uint)Marshal.ReadInt32(p, 4));
            }
            FreeCode(ref program);
            return (code, null);
        }
    }
}
