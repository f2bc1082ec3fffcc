using System.Buffers.Binary;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// Seeded Ethernet frames that reach the interesting paths of filter programs: VLAN/QinQ/MPLS/PPPoE/Geneve
/// headers, IPv4 (options, fragments) and IPv6 (extension headers), TCP/UDP/SCTP/ICMP with the ports and
/// addresses the expression set uses, cut short at random; plus corpus records with bytes flipped and cut.
/// </summary>
internal sealed class RandomFrames(int seed)
{
    private static readonly Lazy<List<(byte[] Data, uint Wire)>> SharedSet = new(() =>
    {
        var gen = new RandomFrames(20261201);
        var corpus = FilterData.AllRecords.ToList();
        var frames = corpus.Select(r => (r.Data, r.WireLength)).ToList();
        for (int i = 0; i < 100_000; i++) frames.Add(gen.Next(corpus));
        return frames;
    });

    private readonly Random _random = new(seed);

    /// <summary>Every corpus record, then 100,000 frames from seed 20261201: the frame set the verdict tests share.</summary>
    public static IReadOnlyList<(byte[] Data, uint Wire)> Shared => SharedSet.Value;
    private readonly List<int> _marks = [];

    private static readonly ushort[] EtherTypes = [0x0800, 0x0800, 0x86dd, 0x86dd, 0x0806, 0x8035, 0x8100, 0x88a8, 0x9100, 0x8847, 0x8863, 0x8864, 0x809b, 0x80f3, 0x6003, 0x05dc, 0x0026, 0x9000];
    private static readonly byte[] IpProtocols = [6, 6, 17, 17, 132, 1, 58, 2, 103, 50, 51, 44, 0, 60, 43, 59, 89, 112, 9];
    private static readonly ushort[] Ports = [22, 53, 67, 68, 179, 546, 547, 6081, 4789, 3784, 6633, 0, 1023, 1024, 6000, 7000, 80, 443, 65535];
    private static readonly uint[] Addresses = [0x0a000001, 0x0a000002, 0x0a010102, 0x0a020102, 0x7f000001, 0xc0a80001, 0xc0a80101, 0x02010102, 0xa9fe0001, 0xac100001, 0xffffffff, 0xe0000005, 0x00000000, 0xc6120001];
    private static readonly byte[][] Macs = [[0x00, 0x10, 0x94, 0, 0, 2], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x01, 0x00, 0x5e, 0, 0, 1], [0x00, 0x14, 0x22, 0x59, 0x55, 0x51], [0x30, 0x30, 0x30, 0x30, 0x30, 0x30], [0xc2, 0x01, 0x73, 0xfe, 0, 0]];

    /// <summary>The next frame: its captured bytes and its length on the wire (at least the captured length).</summary>
    public (byte[] Data, uint WireLength) Next(IReadOnlyList<FilterRecord> corpus)
    {
        _marks.Clear();
        byte[] frame = _random.Next(4) switch
        {
            0 => Mutate(corpus[_random.Next(corpus.Count)].Data),
            1 => RandomBytes(),
            _ => Structured(),
        };
        int cut = _random.Next(5) switch
        {
            0 => _random.Next(frame.Length + 1),
            // Cut inside a header field, where bounds checks decide verdicts.
            1 when _marks.Count > 0 => Math.Clamp(_marks[_random.Next(_marks.Count)] + _random.Next(-1, 5), 0, frame.Length),
            _ => frame.Length,
        };
        byte[] data = frame[..cut];
        uint wire = (uint)frame.Length + (uint)(_random.Next(3) == 0 ? _random.Next(3000) : 0);
        return (data, wire);
    }

    private byte[] RandomBytes()
    {
        var b = new byte[_random.Next(0, 200)];
        _random.NextBytes(b);
        return b;
    }

    private byte[] Mutate(byte[] original)
    {
        byte[] b = (byte[])original.Clone();
        int flips = _random.Next(0, 4);
        for (int i = 0; i < flips && b.Length > 0; i++) b[_random.Next(b.Length)] ^= (byte)(1 << _random.Next(8));
        return b;
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private byte[] Structured()
    {
        var f = new List<byte>();
        f.AddRange(Pick(Macs));
        f.AddRange(Pick(Macs));
        int tags = _random.Next(4) == 0 ? _random.Next(1, 3) : 0;
        ushort type = Pick(EtherTypes);
        for (int t = 0; t < tags; t++)
        {
            Add16(f, Pick<ushort>([0x8100, 0x88a8, 0x9100]));
            Add16(f, (ushort)(_random.Next(3) == 0 ? Pick<ushort>([0, 100, 200, 1213, 2001]) : _random.Next(0x10000)));
        }
        Add16(f, type);
        _marks.Add(f.Count);
        switch (type)
        {
            case 0x8847:
                for (int l = _random.Next(1, 3); l > 0; l--) Add32(f, (uint)(_random.Next(3) == 0 ? 16006 : _random.Next(0x100000)) << 12 | (l == 1 ? 0x100u : 0) | 64);
                Ipv4(f);
                break;
            case 0x8864:
                f.AddRange([0x11, 0x00]);
                Add16(f, (ushort)(_random.Next(2) == 0 ? 23 : _random.Next(0x10000)));
                Add16(f, 40);
                Add16(f, (ushort)(_random.Next(2) == 0 ? 0x0021 : 0x0057));
                Ipv4(f);
                break;
            case 0x86dd: Ipv6(f); break;
            case 0x0806 or 0x8035:
                f.AddRange([0, 1, 8, 0, 6, 4, 0, 1]);
                f.AddRange(Pick(Macs));
                Add32(f, Pick(Addresses));
                f.AddRange(Pick(Macs));
                Add32(f, Pick(Addresses));
                break;
            case 0x0800: Ipv4(f); break;
            default:
                var rest = new byte[_random.Next(0, 80)];
                _random.NextBytes(rest);
                if (_random.Next(2) == 0 && rest.Length >= 3) (rest[0], rest[1], rest[2]) = Pick<(byte, byte, byte)>([(0x42, 0x42, 0x03), (0xaa, 0xaa, 0x03), (0xfe, 0xfe, 0x03), (0xe0, 0xe0, 0x03), (0xff, 0xff, 0x03)]);
                f.AddRange(rest);
                break;
        }
        return [.. f];
    }

    private void Ipv4(List<byte> f)
    {
        int options = _random.Next(4) == 0 ? _random.Next(1, 4) : 0;
        byte proto = Pick(IpProtocols);
        f.Add((byte)(0x40 | (5 + options)));
        f.Add(0);
        Add16(f, (ushort)_random.Next(20, 1500));
        Add16(f, 0);
        Add16(f, (ushort)(_random.Next(4) == 0 ? _random.Next(0x10000) : 0x4000));
        f.Add(64);
        f.Add(proto);
        Add16(f, 0);
        Add32(f, Pick(Addresses));
        Add32(f, _random.Next(3) == 0 ? (uint)(0xe0000000 | _random.Next()) : Pick(Addresses));
        for (int i = 0; i < options * 4; i++) f.Add((byte)_random.Next(256));
        Transport(f, proto);
    }

    private void Ipv6(List<byte> f)
    {
        byte proto = Pick(IpProtocols);
        f.AddRange([0x60, 0, 0, 0]);
        Add16(f, 100);
        f.Add(proto);
        f.Add(64);
        for (int side = 0; side < 2; side++)
        {
            byte[] a = new byte[16];
            int form = _random.Next(4);
            if (form == 0) { a[0] = 0xfe; a[1] = 0x80; a[15] = 1; }
            else if (form == 1) { a[0] = 0xff; a[1] = 0x02; a[15] = 5; }
            else if (form == 2) { a[0] = 0x26; a[1] = 0x04; a[2] = 0x13; a[3] = 0x80; a[4] = 0x40; a[5] = 0x91; a[6] = 0xce; a[15] = 0x0b; }
            else _random.NextBytes(a);
            f.AddRange(a);
        }
        byte next = proto;
        while (next is 0 or 60 or 43 or 44 or 51 && _random.Next(3) > 0)
        {
            byte inner = Pick(IpProtocols);
            f.Add(inner);
            f.Add(next == 44 ? (byte)0 : (byte)_random.Next(0, 3));
            int len = next == 44 ? 6 : next == 51 ? 4 * (f[^1] + 2) - 2 : 8 * (f[^1] + 1) - 2;
            for (int i = 0; i < len; i++) f.Add((byte)_random.Next(256));
            next = inner;
        }
        Transport(f, next);
    }

    private void Transport(List<byte> f, byte proto)
    {
        _marks.Add(f.Count);
        if (proto is 6 or 17 or 132)
        {
            Add16(f, Pick(Ports));
            _marks.Add(f.Count);
            Add16(f, Pick(Ports));
            _marks.Add(f.Count);
            if (proto == 17 && _random.Next(2) == 0)
            {
                Add16(f, 100);
                Add16(f, 0);
                f.Add((byte)(_random.Next(2) == 0 ? 0x08 : 0x00));
                f.AddRange([0, 0x65, 0x58, 0, 0, 0, 0]);
            }
            else
            {
                Add32(f, (uint)_random.Next());
                Add32(f, (uint)_random.Next());
                f.Add((byte)(_random.Next(2) == 0 ? 0x50 : 0x80));
                f.Add((byte)_random.Next(256));
                Add16(f, 1000);
            }
        }
        else if (proto is 1 or 58)
        {
            f.Add(Pick<byte>([0, 8, 3, 42, 128, 129, 133, 135, 136]));
            f.Add((byte)_random.Next(0, 2));
        }
        var payload = new byte[_random.Next(0, 300)];
        _random.NextBytes(payload);
        if (payload.Length >= 4 && _random.Next(4) == 0) "GET "u8.CopyTo(payload);
        f.AddRange(payload);
    }

    private static void Add16(List<byte> f, ushort v)
    {
        f.Add((byte)(v >> 8));
        f.Add((byte)v);
    }

    private static void Add32(List<byte> f, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        f.AddRange(b.ToArray());
    }
}
