using System.Globalization;
using System.Text;
using SlimCap.Reactive.Errors;

namespace SlimCap.Reactive.Filters;

// Text forms of a program, exactly as tcpdump -d, -dd and -ddd print them, and parsing of the -ddd form.
public sealed partial class BpfProgram
{
    private static readonly string?[] AncillaryNames = BuildAncillaryNames();

    /// <summary>The program as <c>tcpdump -d</c> prints it (libpcap's bpf_image), one instruction per line.</summary>
    public override string ToString() => ToString(BpfTextFormat.Listing);

    /// <summary>The program in one of tcpdump's three text forms; every line ends with '\n'.</summary>
    public string ToString(BpfTextFormat format)
    {
        var text = new StringBuilder();
        if (format == BpfTextFormat.Decimal) text.Append(CultureInfo.InvariantCulture, $"{Instructions.Length}\n");
        for (int i = 0; i < Instructions.Length; i++)
        {
            BpfInstruction ins = Instructions[i];
            switch (format)
            {
                case BpfTextFormat.Decimal:
                    text.Append(CultureInfo.InvariantCulture, $"{ins.Code} {ins.JumpTrue} {ins.JumpFalse} {ins.K}\n");
                    break;
                case BpfTextFormat.CArray:
                    text.Append(CultureInfo.InvariantCulture, $"{{ 0x{ins.Code:x}, {ins.JumpTrue}, {ins.JumpFalse}, 0x{ins.K:x8} }},\n");
                    break;
                default:
                    text.Append(Image(ins, i)).Append('\n');
                    break;
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// Reads a program printed by <c>tcpdump -ddd</c> (the count line, then <c>code jt jf k</c> per line), so a
    /// program compiled elsewhere can be pasted in. Blank lines are ignored.
    /// </summary>
    /// <exception cref="BpfTextException">The text is not a -ddd program (bad count, number or field count); names the line.</exception>
    /// <exception cref="InvalidBpfProgramException">The instructions do not form a program libpcap accepts; names the first bad one.</exception>
    public static BpfProgram ParseDecimal(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        int lineNo = 0, lastLine = 1;
        int? count = null;
        var code = new List<BpfInstruction>();
        foreach (string raw in lines)
        {
            lineNo++;
            string line = raw.Trim();
            if (line.Length == 0) continue;
            lastLine = lineNo;
            string[] f = line.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
            if (count is null)
            {
                if (f.Length != 1 || !int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > MaxInstructions)
                    throw new BpfTextException(lineNo, $"expected the instruction count (1 to {MaxInstructions}), found '{line}'");
                count = n;
                continue;
            }
            if (f.Length != 4) throw new BpfTextException(lineNo, $"expected 'code jt jf k', found '{line}'");
            if (!ushort.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort op)) throw new BpfTextException(lineNo, $"code '{f[0]}' is not a number from 0 to 65535");
            if (!byte.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out byte jt)) throw new BpfTextException(lineNo, $"jt '{f[1]}' is not a number from 0 to 255");
            if (!byte.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out byte jf)) throw new BpfTextException(lineNo, $"jf '{f[2]}' is not a number from 0 to 255");
            if (!uint.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint k)) throw new BpfTextException(lineNo, $"k '{f[3]}' is not a number from 0 to 4294967295");
            if (code.Count == count) throw new BpfTextException(lineNo, $"more instructions than the count line's {count}");
            code.Add(new BpfInstruction(op, jt, jf, k));
        }
        if (count is null) throw new BpfTextException(lastLine, "no instruction count");
        if (code.Count != count) throw new BpfTextException(lastLine, $"the count line says {count} instructions, the text has {code.Count}");
        return new BpfProgram(code);
    }

    /// <summary>One instruction as libpcap's bpf_image prints it.</summary>
    internal static string Image(BpfInstruction p, int n)
    {
        int k = unchecked((int)p.K);
        string op, operand;
        switch (p.Code)
        {
            case BpfInstruction.ClassRet | BpfInstruction.SrcK: (op, operand) = ("ret", $"#{k}"); break;
            case BpfInstruction.ClassRet | BpfInstruction.SrcA: (op, operand) = ("ret", ""); break;
            case BpfInstruction.ClassLd | BpfInstruction.SizeW | BpfInstruction.ModeAbs: (op, operand) = ("ld", Absolute(p.K)); break;
            case BpfInstruction.ClassLd | BpfInstruction.SizeH | BpfInstruction.ModeAbs: (op, operand) = ("ldh", Absolute(p.K)); break;
            case BpfInstruction.ClassLd | BpfInstruction.SizeB | BpfInstruction.ModeAbs: (op, operand) = ("ldb", Absolute(p.K)); break;
            case BpfInstruction.ClassLd | BpfInstruction.SizeW | BpfInstruction.ModeLen: (op, operand) = ("ld", "#pktlen"); break;
            case BpfInstruction.ClassLd | BpfInstruction.SizeW | BpfInstruction.ModeInd: (op, operand) = ("ld", $"[x + {k}]"); break;
            case BpfInstruction.ClassLd | BpfInstruction.SizeH | BpfInstruction.ModeInd: (op, operand) = ("ldh", $"[x + {k}]"); break;
            case BpfInstruction.ClassLd | BpfInstruction.SizeB | BpfInstruction.ModeInd: (op, operand) = ("ldb", $"[x + {k}]"); break;
            case BpfInstruction.ClassLd | BpfInstruction.ModeImm: (op, operand) = ("ld", $"#0x{p.K:x}"); break;
            case BpfInstruction.ClassLdx | BpfInstruction.ModeImm: (op, operand) = ("ldx", $"#0x{p.K:x}"); break;
            case BpfInstruction.ClassLdx | BpfInstruction.ModeMsh | BpfInstruction.SizeB: (op, operand) = ("ldxb", $"4*([{k}]&0xf)"); break;
            case BpfInstruction.ClassLd | BpfInstruction.ModeMem: (op, operand) = ("ld", $"M[{k}]"); break;
            case BpfInstruction.ClassLdx | BpfInstruction.ModeMem: (op, operand) = ("ldx", $"M[{k}]"); break;
            case BpfInstruction.ClassSt: (op, operand) = ("st", $"M[{k}]"); break;
            case BpfInstruction.ClassStx: (op, operand) = ("stx", $"M[{k}]"); break;
            case BpfInstruction.ClassJmp | BpfInstruction.JmpJa: (op, operand) = ("ja", unchecked((int)(n + 1 + p.K)).ToString(CultureInfo.InvariantCulture)); break;
            case BpfInstruction.ClassMisc | BpfInstruction.MiscTax: (op, operand) = ("tax", ""); break;
            case BpfInstruction.ClassMisc | BpfInstruction.MiscTxa: (op, operand) = ("txa", ""); break;
            case BpfInstruction.ClassAlu | BpfInstruction.AluNeg: (op, operand) = ("neg", ""); break;
            default:
                (op, operand) = AluOrJump(p, k);
                break;
        }
        if ((p.Code & 0x07) == BpfInstruction.ClassJmp && (p.Code & 0xf0) != BpfInstruction.JmpJa && op != "unimp")
            return string.Create(CultureInfo.InvariantCulture, $"({n:000}) {op,-8} {operand,-16} jt {n + 1 + p.JumpTrue}\tjf {n + 1 + p.JumpFalse}");
        return string.Create(CultureInfo.InvariantCulture, $"({n:000}) {op,-8} {operand}");
    }

    private static (string Op, string Operand) AluOrJump(BpfInstruction p, int k)
    {
        ushort cls = (ushort)(p.Code & 0x07), operation = (ushort)(p.Code & 0xf0), src = (ushort)(p.Code & 0x08);
        bool known = (p.Code & ~0xf8 & 0xffff) is BpfInstruction.ClassAlu or BpfInstruction.ClassJmp && (p.Code & 0xff00) == 0;
        string? name = cls switch
        {
            BpfInstruction.ClassJmp => operation switch
            {
                BpfInstruction.JmpJgt => "jgt", BpfInstruction.JmpJge => "jge", BpfInstruction.JmpJeq => "jeq", BpfInstruction.JmpJset => "jset", _ => null,
            },
            BpfInstruction.ClassAlu => operation switch
            {
                BpfInstruction.AluAdd => "add", BpfInstruction.AluSub => "sub", BpfInstruction.AluMul => "mul", BpfInstruction.AluDiv => "div",
                BpfInstruction.AluMod => "mod", BpfInstruction.AluAnd => "and", BpfInstruction.AluOr => "or", BpfInstruction.AluXor => "xor",
                BpfInstruction.AluLsh => "lsh", BpfInstruction.AluRsh => "rsh", _ => null,
            },
            _ => null,
        };
        if (!known || name is null) return ("unimp", $"0x{p.Code:x}");
        if (src != 0) return (name, "x");
        bool hex = cls == BpfInstruction.ClassJmp || operation is BpfInstruction.AluAnd or BpfInstruction.AluOr or BpfInstruction.AluXor;
        return (name, hex ? $"#0x{p.K:x}" : $"#{k}");
    }

    private static string Absolute(uint k)
    {
        if (k >= BpfInstruction.AncillaryBase && k - BpfInstruction.AncillaryBase < (uint)AncillaryNames.Length && AncillaryNames[k - BpfInstruction.AncillaryBase] is { } name)
            return $"[{name}]";
        return $"[{unchecked((int)k).ToString(CultureInfo.InvariantCulture)}]";
    }

    private static string?[] BuildAncillaryNames()
    {
        var names = new string?[64];
        (int Offset, string Name)[] known =
        [
            (0, "proto"), (4, "type"), (8, "ifidx"), (12, "nla"), (16, "nlan"), (20, "mark"), (24, "queue"), (28, "hatype"),
            (32, "rxhash"), (36, "cpu"), (40, "xor_x"), (44, "vlan_tci"), (48, "vlanp"), (52, "poff"), (56, "random"), (60, "vlan_tpid"),
        ];
        foreach ((int offset, string name) in known) names[offset] = name;
        return names;
    }
}
