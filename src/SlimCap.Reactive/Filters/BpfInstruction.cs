namespace SlimCap.Reactive.Filters;

/// <summary>
/// One classic BPF instruction, exactly as the kernel's <c>struct sock_filter</c> holds it
/// (what <c>tcpdump -dd</c> prints).
/// </summary>
/// <param name="Code">The opcode (class, size, mode / operation, source).</param>
/// <param name="JumpTrue">Instructions to skip when a conditional jump is taken.</param>
/// <param name="JumpFalse">Instructions to skip when it is not.</param>
/// <param name="K">The constant operand.</param>
/// <remarks>Thread safety: immutable; safe to share.</remarks>
public readonly record struct BpfInstruction(ushort Code, byte JumpTrue, byte JumpFalse, uint K)
{
    // Opcode parts (linux/filter.h, linux/bpf_common.h).
    internal const ushort ClassLd = 0x00, ClassLdx = 0x01, ClassSt = 0x02, ClassStx = 0x03, ClassAlu = 0x04,
        ClassJmp = 0x05, ClassRet = 0x06, ClassMisc = 0x07;
    internal const ushort SizeW = 0x00, SizeH = 0x08, SizeB = 0x10;
    internal const ushort ModeImm = 0x00, ModeAbs = 0x20, ModeInd = 0x40, ModeMem = 0x60, ModeLen = 0x80, ModeMsh = 0xa0;
    internal const ushort SrcK = 0x00, SrcX = 0x08, SrcA = 0x10;
    internal const ushort AluAdd = 0x00, AluSub = 0x10, AluMul = 0x20, AluDiv = 0x30, AluOr = 0x40, AluAnd = 0x50,
        AluLsh = 0x60, AluRsh = 0x70, AluNeg = 0x80, AluMod = 0x90, AluXor = 0xa0;
    internal const ushort JmpJa = 0x00, JmpJeq = 0x10, JmpJgt = 0x20, JmpJge = 0x30, JmpJset = 0x40;
    internal const ushort MiscTax = 0x00, MiscTxa = 0x80;

    /// <summary>The kernel's ancillary-data base offset (SKF_AD_OFF).</summary>
    public const uint AncillaryBase = 0xfffff000;
    /// <summary>Ancillary load of the frame's VLAN TCI (SKF_AD_OFF + SKF_AD_VLAN_TAG).</summary>
    public const uint AncillaryVlanTag = AncillaryBase + 44;
    /// <summary>Ancillary load of whether the frame had a VLAN tag (SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT).</summary>
    public const uint AncillaryVlanTagPresent = AncillaryBase + 48;
    /// <summary>Ancillary load of the packet type (SKF_AD_OFF + SKF_AD_PKTTYPE).</summary>
    public const uint AncillaryPacketType = AncillaryBase + 4;
    /// <summary>Ancillary load of the packet's protocol (SKF_AD_OFF + SKF_AD_PROTOCOL).</summary>
    public const uint AncillaryProtocol = AncillaryBase + 0;

    /// <summary><c>ret #k</c>: accept <paramref name="snapLength"/> bytes (0 drops the packet).</summary>
    public static BpfInstruction Return(uint snapLength) => new(ClassRet | SrcK, 0, 0, snapLength);

    /// <summary><c>ldh [k]</c>: load the big-endian 16-bit value at <paramref name="offset"/>.</summary>
    public static BpfInstruction LoadHalfAbsolute(uint offset) => new(ClassLd | SizeH | ModeAbs, 0, 0, offset);

    /// <summary><c>ldb [k]</c>.</summary>
    public static BpfInstruction LoadByteAbsolute(uint offset) => new(ClassLd | SizeB | ModeAbs, 0, 0, offset);

    /// <summary><c>ld [k]</c>: a 32-bit load (also ancillary loads such as <see cref="AncillaryVlanTag"/>).</summary>
    public static BpfInstruction LoadWordAbsolute(uint offset) => new(ClassLd | SizeW | ModeAbs, 0, 0, offset);

    /// <summary><c>jeq #k, jt, jf</c>.</summary>
    public static BpfInstruction JumpIfEqual(uint value, byte jumpTrue, byte jumpFalse) => new(ClassJmp | JmpJeq | SrcK, jumpTrue, jumpFalse, value);

    /// <summary><c>and #k</c>.</summary>
    public static BpfInstruction And(uint value) => new(ClassAlu | AluAnd | SrcK, 0, 0, value);

    /// <inheritdoc/>
    public override string ToString() => $"{{ 0x{Code:x2}, {JumpTrue}, {JumpFalse}, 0x{K:x8} }}";
}
