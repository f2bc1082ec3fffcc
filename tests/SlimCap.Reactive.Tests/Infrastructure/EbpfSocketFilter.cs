using System.Runtime.InteropServices;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Loads a tiny eBPF socket-filter program with bpf(BPF_PROG_LOAD), for the fan-out group's Ebpf mode (the library
/// takes a loaded program's descriptor and does not load eBPF itself). Needs root (or CAP_BPF).
/// </summary>
internal sealed unsafe partial class EbpfSocketFilter : IDisposable
{
    private const int SYS_bpf = 321; // x86-64
    private const int BPF_PROG_LOAD = 5, BPF_PROG_TYPE_SOCKET_FILTER = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct Instruction // struct bpf_insn, 8 bytes
    {
        public byte Code;
        public byte Registers; // dst in the low nibble, src in the high one
        public short Offset;
        public int Immediate;
    }

    private EbpfSocketFilter(int fd) => Fd = fd;

    public int Fd { get; }

    /// <summary><c>r0 = skb->len; exit</c>: the group member is the packet's length (from the network header) modulo the member count.</summary>
    public static EbpfSocketFilter LengthModulo()
    {
        Instruction[] program =
        [
            new() { Code = 0x61, Registers = 0x10, Offset = 0 }, // BPF_LDX | BPF_MEM | BPF_W: r0 = *(u32 *)(r1 + 0), __sk_buff.len
            new() { Code = 0x95 },                               // BPF_JMP | BPF_EXIT
        ];
        byte[] license = "GPL\0"u8.ToArray();
        byte* attr = stackalloc byte[128];
        new Span<byte>(attr, 128).Clear();
        fixed (Instruction* code = program)
        fixed (byte* lic = license)
        {
            *(uint*)(attr + 0) = BPF_PROG_TYPE_SOCKET_FILTER;
            *(uint*)(attr + 4) = (uint)program.Length;
            *(ulong*)(attr + 8) = (ulong)code;
            *(ulong*)(attr + 16) = (ulong)lic;
            long fd = syscall(SYS_bpf, BPF_PROG_LOAD, attr, 128);
            if (fd < 0) throw new InvalidOperationException($"bpf(BPF_PROG_LOAD) failed: errno {Marshal.GetLastPInvokeError()}");
            return new EbpfSocketFilter((int)fd);
        }
    }

    public void Dispose() => close(Fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long command, void* attr, long size);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
