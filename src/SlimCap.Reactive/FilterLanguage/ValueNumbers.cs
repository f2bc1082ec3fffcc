namespace SlimCap.Reactive.FilterLanguage;

/// <summary>
/// Value numbers for the optimizer: equal numbers mean equal 32-bit values on every packet. Packet bytes never
/// change while a program runs, so a load of the same bytes always yields the same number; constants have one
/// number each; a value unknown at a merge point gets a fresh number.
/// </summary>
internal sealed class ValueNumbers
{
    private readonly Dictionary<(int Op, long A, long B), int> _table = new();
    private readonly Dictionary<int, uint> _constants = new();
    private int _next = 1;

    public int Fresh() => _next++;

    public int Constant(uint k) => Of(-1, k, 0, k);

    public int Of(int op, long a, long b) => Of(op, a, b, null);

    private int Of(int op, long a, long b, uint? constant)
    {
        if (_table.TryGetValue((op, a, b), out int v)) return v;
        v = _next++;
        _table[(op, a, b)] = v;
        if (constant is { } c) _constants[v] = c;
        return v;
    }

    public bool IsConstant(int v, out uint k) => _constants.TryGetValue(v, out k);
}

/// <summary>Register state: the value number held by A, X and each scratch word M[0..15].</summary>
internal static class Regs
{
    public const int A = 0, X = 1, M0 = 2, Count = 18;

    public static int Mem(uint k) => M0 + (int)(k & 15);
}
