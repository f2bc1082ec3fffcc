using System.Buffers.Binary;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Builds small pcap and pcapng files byte by byte, in either byte order, for format edge cases.</summary>
internal sealed class CaptureFileBuilder(bool bigEndian)
{
    private readonly MemoryStream _bytes = new();

    public bool BigEndian { get; set; } = bigEndian;

    public byte[] ToArray() => _bytes.ToArray();

    public CaptureFileBuilder U8(byte v) { _bytes.WriteByte(v); return this; }

    public CaptureFileBuilder U16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        _bytes.Write(b);
        return this;
    }

    public CaptureFileBuilder U32(uint v)
    {
        Span<byte> b = stackalloc byte[4];
        if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        _bytes.Write(b);
        return this;
    }

    public CaptureFileBuilder U64(ulong v)
    {
        Span<byte> b = stackalloc byte[8];
        if (BigEndian) BinaryPrimitives.WriteUInt64BigEndian(b, v); else BinaryPrimitives.WriteUInt64LittleEndian(b, v);
        _bytes.Write(b);
        return this;
    }

    public CaptureFileBuilder Bytes(ReadOnlySpan<byte> data) { _bytes.Write(data); return this; }

    /// <summary>A pcap file header.</summary>
    public CaptureFileBuilder PcapHeader(uint magic, ushort major, ushort minor, uint snapLength, uint linkType) =>
        U32(magic).U16(major).U16(minor).U32(0).U32(0).U32(snapLength).U32(linkType);

    /// <summary>A pcap record (16-byte header, or 24 with <paramref name="kuznetsov"/>), fields as stored.</summary>
    public CaptureFileBuilder PcapRecord(uint seconds, uint fraction, uint capturedField, uint lengthField, ReadOnlySpan<byte> data, bool kuznetsov = false)
    {
        U32(seconds).U32(fraction).U32(capturedField).U32(lengthField);
        if (kuznetsov) U32(0).U16(0).U8(0).U8(0);
        return Bytes(data);
    }

    /// <summary>A pcapng block: type, length, body padded to 4, options (already encoded), trailing length.</summary>
    public CaptureFileBuilder Block(uint type, byte[] body)
    {
        int padded = (body.Length + 3) & ~3;
        uint length = (uint)(12 + padded);
        U32(type).U32(length).Bytes(body).Bytes(new byte[padded - body.Length]).U32(length);
        return this;
    }

    /// <summary>The body of a block, built in the same byte order.</summary>
    public byte[] Body(Action<CaptureFileBuilder> build)
    {
        var b = new CaptureFileBuilder(BigEndian);
        build(b);
        return b.ToArray();
    }

    public CaptureFileBuilder Shb(ushort major = 1, ushort minor = 0) =>
        Block(0x0A0D0D0A, Body(b => b.U32(0x1A2B3C4D).U16(major).U16(minor).U64(ulong.MaxValue)));

    /// <summary>An IDB; <paramref name="options"/> encodes its options (use <see cref="Option"/>), end-of-options included or not.</summary>
    public CaptureFileBuilder Idb(ushort linkType, uint snapLength, Action<CaptureFileBuilder>? options = null) =>
        Block(1, Body(b => { b.U16(linkType).U16(0).U32(snapLength); options?.Invoke(b); }));

    /// <summary>One option: code, length, value padded to 4.</summary>
    public CaptureFileBuilder Option(ushort code, byte[] value)
    {
        U16(code).U16((ushort)value.Length).Bytes(value);
        return Bytes(new byte[((value.Length + 3) & ~3) - value.Length]);
    }

    public CaptureFileBuilder Epb(uint interfaceId, ulong t, byte[] data, uint length, uint? flags = null) =>
        Block(6, Body(b =>
        {
            b.U32(interfaceId).U32((uint)(t >> 32)).U32((uint)t).U32((uint)data.Length).U32(length).Bytes(data).Bytes(new byte[((data.Length + 3) & ~3) - data.Length]);
            if (flags is { } f) b.U16(2).U16(4).U32(f).U32(0);
        }));

    public CaptureFileBuilder Pb(ushort interfaceId, ulong t, byte[] data, uint length) =>
        Block(2, Body(b => b.U16(interfaceId).U16(0).U32((uint)(t >> 32)).U32((uint)t).U32((uint)data.Length).U32(length).Bytes(data)));

    public CaptureFileBuilder Spb(uint length, byte[] data) => Block(3, Body(b => b.U32(length).Bytes(data)));
}
