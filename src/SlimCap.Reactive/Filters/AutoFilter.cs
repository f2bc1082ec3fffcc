using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Filters;

/// <summary>Which of slimcap's automatic filters fits a link.</summary>
public enum AutoFilterKind
{
    /// <summary>No automatic filter exists for the link type (slimcap panics here; we refuse with a clear error).</summary>
    None,
    /// <summary>Ethernet: IPv4, IPv6, or PPPoE session frames carrying either.</summary>
    Ethernet,
    /// <summary>Loopback: IPv4 or IPv6 (Ethernet headers, no PPPoE or VLAN check).</summary>
    Loopback,
    /// <summary>Raw IP links (PPP, tunnels, tun): the IP version nibble is 4 or 6.</summary>
    RawIp,
}

/// <summary>
/// Builds slimcap's automatic classic-BPF filter, instruction for instruction: accept IPv4/IPv6
/// (and PPPoE carrying them on Ethernet) up to the snap length, drop the rest; optionally drop
/// VLAN-tagged frames first; caller instructions run just before the accepting return.
/// </summary>
public static class AutoFilter
{
    private const uint RegisterEtherType = 12, RegisterPppType = 20;
    private const uint EtherTypeIPv4 = 0x0800, EtherTypeIPv6 = 0x86dd, EtherTypePppoe = 0x8864;
    private const uint IpVersion4 = 0x40, IpVersion6 = 0x60, PppIPv4 = 0x21, PppIPv6 = 0x57;

    /// <summary>
    /// The automatic program for <paramref name="kind"/>. A snap length of 0 means
    /// <see cref="CaptureLength.Maximum"/>. <paramref name="ignoreVlans"/> applies to Ethernet only, as in slimcap.
    /// </summary>
    /// <exception cref="InvalidCaptureOptionException">No automatic filter for this kind, or too many extra instructions.</exception>
    /// <exception cref="InvalidBpfProgramException">
    /// The kernel would refuse the program an extra instruction makes; the exception's index is into
    /// <paramref name="extra"/> and its <see cref="InvalidBpfProgramException.Location"/> is <c>ExtraBpfInstructions</c>.
    /// </exception>
    public static BpfProgram Build(AutoFilterKind kind, int snapLength, bool ignoreVlans = false, IReadOnlyList<BpfInstruction>? extra = null)
    {
        extra ??= Array.Empty<BpfInstruction>();
        if (extra.Count > 200)
            throw new InvalidCaptureOptionException("ExtraBpfInstructions", $"at most 200 extra instructions fit the filter's jump offsets; got {extra.Count}.");
        if (snapLength < 0 || snapLength > CaptureLength.Maximum)
            throw new InvalidCaptureOptionException(nameof(CaptureLength), $"snap length must be between 0 and {CaptureLength.Maximum}; got {snapLength}.");
        uint snap = snapLength == 0 ? CaptureLength.Maximum : (uint)snapLength;
        byte n = (byte)extra.Count;
        var code = new List<BpfInstruction>(16 + n);
        switch (kind)
        {
            case AutoFilterKind.Ethernet:
                if (ignoreVlans)
                {
                    code.Add(BpfInstruction.LoadWordAbsolute(BpfInstruction.AncillaryVlanTag));
                    code.Add(BpfInstruction.JumpIfEqual(0, 0, (byte)(8 + n)));
                }
                code.Add(BpfInstruction.LoadHalfAbsolute(RegisterEtherType));
                code.Add(BpfInstruction.JumpIfEqual(EtherTypeIPv4, 5, 0));
                code.Add(BpfInstruction.JumpIfEqual(EtherTypeIPv6, 4, 0));
                code.Add(BpfInstruction.JumpIfEqual(EtherTypePppoe, 0, (byte)(4 + n)));
                code.Add(BpfInstruction.LoadHalfAbsolute(RegisterPppType));
                code.Add(BpfInstruction.JumpIfEqual(PppIPv4, 1, 0));
                code.Add(BpfInstruction.JumpIfEqual(PppIPv6, 0, (byte)(1 + n)));
                break;
            case AutoFilterKind.Loopback:
                code.Add(BpfInstruction.LoadHalfAbsolute(RegisterEtherType));
                code.Add(BpfInstruction.JumpIfEqual(EtherTypeIPv4, 1, 0));
                code.Add(BpfInstruction.JumpIfEqual(EtherTypeIPv6, 0, (byte)(1 + n)));
                break;
            case AutoFilterKind.RawIp:
                code.Add(BpfInstruction.LoadByteAbsolute(0));
                code.Add(BpfInstruction.And(0xf0));
                code.Add(BpfInstruction.JumpIfEqual(IpVersion4, 1, 0));
                code.Add(BpfInstruction.JumpIfEqual(IpVersion6, 0, (byte)(1 + n)));
                break;
            default:
                throw new InvalidCaptureOptionException("AutoBpfFilter", "there is no automatic filter for this link type (its IP-layer offset is unknown); capture without it, or give your own BPF program.");
        }
        int first = code.Count;
        code.AddRange(extra);
        code.Add(BpfInstruction.Return(snap));
        code.Add(BpfInstruction.Return(0));
        if (BpfProgram.Check(code.ToArray(), BpfDialect.Linux) is { } refusal)
        {
            // Name the caller's own instruction, not its place in the merged program.
            int index = refusal.InstructionIndex - first;
            if (index >= 0 && index < extra.Count)
                throw new InvalidBpfProgramException(refusal.Checker, index, refusal.Instruction, refusal.Reason, "ExtraBpfInstructions");
            throw refusal;
        }
        return new BpfProgram(code);
    }
}
