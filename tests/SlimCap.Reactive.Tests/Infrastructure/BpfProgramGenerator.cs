using SlimCap.Reactive.Filters;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Seeded random classic-BPF programs near the checkers' boundaries: mostly well-formed programs (forward jumps
/// in range, stores before loads, a return at the end) with a few mutations each (an unknown opcode, a constant
/// divisor of 0, slot 16, a shift of 32, a jump one too far or backwards, an unknown ancillary offset, a load of
/// a slot never stored, no final return), and offsets that reach the kernel's negative areas.
/// </summary>
internal sealed class BpfProgramGenerator(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly ushort[] Loads = [0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1];
    private static readonly ushort[] Alu = [0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c, 0x84, 0x94, 0x9c, 0xa4, 0xac];
    private static readonly ushort[] Jumps = [0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d];

    /// <summary>An interesting constant: a small offset, a boundary, an ancillary or negative-offset address, or random bits.</summary>
    public uint Constant() => _random.Next(12) switch
    {
        0 => (uint)_random.Next(0, 4),
        1 => (uint)_random.Next(0, 80),
        2 => (uint)_random.Next(0, 2000),
        3 => BpfInstruction.AncillaryBase + (uint)_random.Next(0, 17) * 4,
        4 => BpfInstruction.AncillaryBase + (uint)_random.Next(0, 0x1000),
        5 => 0xfff00000u + (uint)_random.Next(0, 64),   // SKF_NET_OFF + n
        6 => 0xffe00000u + (uint)_random.Next(0, 64),   // SKF_LL_OFF + n
        7 => (uint)_random.Next(28, 36),
        8 => uint.MaxValue - (uint)_random.Next(0, 70),
        9 => 0x800u + (uint)_random.Next(0, 2),
        _ => (uint)_random.NextInt64(0, 1L << 32),
    };

    /// <summary>A well-formed program of up to <paramref name="maxLength"/> instructions (both checkers accept most of them).</summary>
    public BpfInstruction[] WellFormed(int maxLength = 24)
    {
        int length = _random.Next(1, maxLength + 1);
        var code = new BpfInstruction[length];
        ushort stored = 0;
        for (int pc = 0; pc < length - 1; pc++)
        {
            int remaining = length - pc - 2; // instructions that may be skipped before the final return
            code[pc] = _random.Next(10) switch
            {
                0 or 1 or 2 => new(Loads[_random.Next(Loads.Length)], 0, 0, Constant()),
                3 => new((ushort)_random.Choose<int>(0x00, 0x01, 0x80, 0x81), 0, 0, Constant()),
                4 => Alu4(),
                5 or 6 => new(Jumps[_random.Next(Jumps.Length)], Skip(remaining), Skip(remaining), Constant()),
                7 => Store(ref stored),
                8 => stored != 0 ? LoadStored(stored) : new BpfInstruction(0x07, 0, 0, 0),
                _ => _random.Next(3) switch
                {
                    0 => new(0x05, 0, 0, Skip(remaining)),
                    1 => new(0x87, 0, 0, 0),
                    _ => new(0x16, 0, 0, 0), // ret a in the middle
                },
            };
        }
        code[^1] = _random.Next(2) == 0 ? new BpfInstruction(0x16, 0, 0, 0) : BpfInstruction.Return(_random.Next(3) == 0 ? uint.MaxValue : (uint)_random.Next(0, 300));
        return code;
    }

    private BpfInstruction Alu4()
    {
        ushort op = Alu[_random.Next(Alu.Length)];
        uint k = (op & 0xf0) is 0x60 or 0x70 ? (uint)_random.Next(0, 32) : (op & 0xf0) is 0x30 or 0x90 ? (uint)_random.Next(1, 9) : Constant();
        return new(op, 0, 0, k);
    }

    private byte Skip(int remaining) => (byte)(remaining <= 0 ? 0 : _random.Next(0, Math.Min(remaining, 255) + 1));

    private BpfInstruction Store(ref ushort stored)
    {
        int slot = _random.Next(16);
        stored |= (ushort)(1 << slot);
        return new((ushort)(_random.Next(2) == 0 ? 0x02 : 0x03), 0, 0, (uint)slot);
    }

    private BpfInstruction LoadStored(ushort stored)
    {
        int slot;
        do slot = _random.Next(16); while ((stored & (1 << slot)) == 0);
        return new((ushort)(_random.Next(2) == 0 ? 0x60 : 0x61), 0, 0, (uint)slot);
    }

    /// <summary>A well-formed program with one to three mutations aimed at a checker rule.</summary>
    public BpfInstruction[] Mutated()
    {
        BpfInstruction[] code = WellFormed(_random.Next(1, 40));
        int mutations = _random.Next(1, 4);
        for (int m = 0; m < mutations; m++)
        {
            int pc = _random.Next(code.Length);
            BpfInstruction ins = code[pc];
            int remaining = code.Length - pc - 1;
            code[pc] = _random.Next(16) switch
            {
                0 => ins with { Code = (ushort)_random.Next(0, 0x10000) },
                1 => ins with { Code = (ushort)_random.Next(0, 0x100) },
                2 => new((ushort)_random.Choose<int>(0x34, 0x94), 0, 0, (uint)_random.Next(0, 2)),
                3 => new((ushort)_random.Choose<int>(0x02, 0x03, 0x60, 0x61), 0, 0, (uint)_random.Next(14, 18)),
                4 => new((ushort)_random.Choose<int>(0x64, 0x74), 0, 0, (uint)_random.Next(30, 34)),
                5 => new(0x05, 0, 0, (uint)Math.Max(0, remaining - _random.Next(0, 2))),
                6 => new(0x05, 0, 0, unchecked((uint)-_random.Next(1, pc + 2))),
                7 => new(Jumps[_random.Next(Jumps.Length)], (byte)Math.Min(255, Math.Max(0, remaining - _random.Next(0, 2))), (byte)_random.Next(0, 3), ins.K),
                8 => new((ushort)_random.Choose<int>(0x20, 0x28, 0x30), 0, 0, BpfInstruction.AncillaryBase + (uint)_random.Next(0, 80)),
                9 => new((ushort)_random.Choose<int>(0x60, 0x61), 0, 0, (uint)_random.Next(0, 16)),
                10 => new((ushort)_random.Choose<int>(0x02, 0x03), 0, 0, (uint)_random.Next(0, 16)),
                11 => new((ushort)_random.Choose<int>(0x00, 0x07, 0x87, 0x15), 0, 0, 0),
                12 => ins with { K = Constant() },
                13 => new(0x05, 0, 0, uint.MaxValue),
                14 => ins with { JumpTrue = (byte)_random.Next(256), JumpFalse = (byte)_random.Next(256) },
                _ => new((ushort)_random.Choose<int>(0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1), 0, 0, Constant()),
            };
        }
        if (_random.Next(8) == 0) Array.Resize(ref code, Math.Max(1, code.Length - 1));
        return code;
    }
}

internal static class RandomChoice
{
    public static T Choose<T>(this Random random, params T[] values) => values[random.Next(values.Length)];
}
