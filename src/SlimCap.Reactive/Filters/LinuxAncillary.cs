using System.Buffers.Binary;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Filters;

/// <summary>
/// The kernel's classic-BPF extensions (<c>ld [SKF_AD_OFF + n]</c>, any load size) and its negative
/// offsets (SKF_NET_OFF, SKF_LL_OFF), as net/core/filter.c converts and runs them.
/// </summary>
internal static class LinuxAncillary
{
    public const int NetOffset = -0x100000, LinkLayerOffset = -0x200000;

    private const uint Protocol = 0, PacketType = 4, IfIndex = 8, NlAttr = 12, NlAttrNest = 16, Mark = 20, Queue = 24,
        HardwareType = 28, RxHash = 32, Cpu = 36, AluXorX = 40, VlanTag = 44, VlanTagPresent = 48, PayloadOffset = 52,
        Random = 56, VlanTpid = 60;

    /// <summary>Whether the kernel knows ancillary offset <paramref name="k"/> (bpf_anc_helper's list).</summary>
    public static bool IsKnown(uint k)
    {
        uint n = k - BpfInstruction.AncillaryBase;
        return k >= BpfInstruction.AncillaryBase && n <= VlanTpid && n % 4 == 0;
    }

    /// <summary>The value of ancillary load <paramref name="k"/> (known to <see cref="IsKnown"/>).</summary>
    public static uint Load(uint k, ReadOnlySpan<byte> data, uint a, uint x, in LinuxPacketInfo info) => (k - BpfInstruction.AncillaryBase) switch
    {
        Protocol => info.Protocol,
        PacketType => (uint)info.PacketType & 7,
        IfIndex => (uint)info.InterfaceIndex,
        NlAttr => FindAttribute(data, a, x, nested: false),
        NlAttrNest => FindAttribute(data, a, x, nested: true),
        Mark => info.Mark,
        Queue => info.Queue & 0xffff,
        HardwareType => info.HardwareType,
        RxHash => info.RxHash,
        Cpu => info.Cpu,
        AluXorX => a ^ x,
        VlanTag => info.VlanTci,
        VlanTagPresent => info.VlanTagPresent ? 1u : 0u,
        PayloadOffset => info.PayloadOffset,
        Random => info.Random,
        VlanTpid => info.VlanTpid,
        _ => 0,
    };

    /// <summary>
    /// The bytes a kernel load of <paramref name="size"/> bytes at signed offset <paramref name="offset"/>
    /// reads (bpf_skb_load_helper_*): non-negative offsets from the frame start, SKF_NET_OFF-based
    /// ones from the network header, SKF_LL_OFF-based ones from the MAC header (the frame start);
    /// false where the kernel's load fails and the program returns 0.
    /// </summary>
    public static bool TryLoad(ReadOnlySpan<byte> data, int offset, int size, int networkOffset, out uint value)
    {
        long start;
        if (offset >= 0) start = offset;
        else if (offset >= NetOffset) start = (long)networkOffset + (offset - NetOffset);
        else if (offset >= LinkLayerOffset) start = offset - LinkLayerOffset;
        else start = -1;
        if (start < 0 || start + size > data.Length)
        {
            value = 0;
            return false;
        }
        ReadOnlySpan<byte> at = data.Slice((int)start, size);
        value = size switch
        {
            4 => BinaryPrimitives.ReadUInt32BigEndian(at),
            2 => BinaryPrimitives.ReadUInt16BigEndian(at),
            _ => at[0],
        };
        return true;
    }

    /// <summary>
    /// __skb_get_nlattr / __skb_get_nlattr_nest: the offset of the netlink attribute of type
    /// <paramref name="type"/> found from offset <paramref name="a"/> (inside the attribute there when
    /// nested), or 0. Attributes are in host byte order, as the kernel reads them.
    /// </summary>
    private static uint FindAttribute(ReadOnlySpan<byte> data, uint a, uint type, bool nested)
    {
        const int Header = 4;
        uint len = (uint)data.Length;
        if (len < Header || a > len - Header) return 0;
        int start = (int)a, remaining = (int)(len - a);
        if (nested)
        {
            if (!AttributeFits(data, start, remaining)) return 0;
            remaining = ReadU16(data, start) - Header;
            start += Header;
        }
        while (AttributeFits(data, start, remaining))
        {
            int attributeLength = ReadU16(data, start);
            if ((ReadU16(data, start + 2) & 0x3fff) == type) return (uint)start;
            int aligned = (attributeLength + 3) & ~3;
            start += aligned;
            remaining -= aligned;
        }
        return 0;
    }

    /// <summary>nla_ok: a whole attribute header and its declared length fit in <paramref name="remaining"/> bytes.</summary>
    private static bool AttributeFits(ReadOnlySpan<byte> data, int start, int remaining) =>
        remaining >= 4 && ReadU16(data, start) >= 4 && ReadU16(data, start) <= remaining;

    private static ushort ReadU16(ReadOnlySpan<byte> data, int at) => BinaryPrimitives.ReadUInt16LittleEndian(data[at..]);
}
