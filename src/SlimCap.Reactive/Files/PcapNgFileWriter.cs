using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Files;

/// <summary>
/// Writes pcapng (little-endian): one Section Header Block, one Interface Description Block per
/// (link type, interface) seen, each with if_tsresol = 9 (nanoseconds), and an Enhanced Packet Block per
/// packet with its timestamp, original length and, when the packet type is known (live capture, or a
/// pcapng file that had it), the direction and reception type in epb_flags. An empty file still gets
/// one interface (<see cref="CaptureFileWriterOptions.EmptyFileLinkType"/>), as libpcap needs one.
/// </summary>
/// <remarks>Thread safety: as <see cref="CaptureFileWriter"/>.</remarks>
public sealed class PcapNgFileWriter : CaptureFileWriter
{
    private const uint BlockTypeIdb = 1, BlockTypeEpb = 6;
    private const ushort OptEndOfOptions = 0, OptFlags = 2, OptShbUserAppl = 4, OptTsResol = 9;
    private static readonly byte[] UserApplication = Encoding.UTF8.GetBytes("SlimCap.Reactive");

    private readonly Dictionary<(LinkType LinkType, int Interface), uint> _interfaces = new();
    private (LinkType LinkType, int Interface) _lastKey;
    private uint _lastId = uint.MaxValue;
    private bool _headerWritten;

    internal PcapNgFileWriter(AcceptedBytesStream stream, PipeWriter writer, string name, CaptureFileWriterOptions options) : base(stream, writer, name, options) { }

    /// <inheritdoc/>
    public override CaptureFileFormat Format => CaptureFileFormat.PcapNg;

    /// <summary>How many Interface Description Blocks were written.</summary>
    public int InterfaceCount => _interfaces.Count;

    private protected override void FinishFile()
    {
        WriteHeaderIfNeeded();
        // libpcap refuses a pcapng file without interfaces, so an empty file gets one.
        if (_interfaces.Count == 0) InterfaceId(Options.EmptyFileLinkType, 0);
    }

    private void WriteHeaderIfNeeded()
    {
        if (_headerWritten) return;
        _headerWritten = true;
        int optionsLength = 4 + Pad(UserApplication.Length) + 4;
        int length = 8 + 16 + optionsLength + 4;
        Span<byte> b = Reserve(length);
        b.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b, PcapNgFormatReader.BlockTypeShb);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(b[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(b[14..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(b[16..], -1); // section length not known while streaming
        BinaryPrimitives.WriteUInt16LittleEndian(b[24..], OptShbUserAppl);
        BinaryPrimitives.WriteUInt16LittleEndian(b[26..], (ushort)UserApplication.Length);
        UserApplication.CopyTo(b[28..]);
        // end-of-options is the zeroed 4 bytes after the padded string
        BinaryPrimitives.WriteUInt32LittleEndian(b[(length - 4)..], (uint)length);
        Commit(length);
    }

    private protected override void WriteRecord(in PacketRef packet)
    {
        WriteHeaderIfNeeded();
        uint id = InterfaceId(packet.LinkType, packet.InterfaceIndex);
        int captured = FrameLength(packet);
        uint flags = PacketDirection.ToEpbFlags(packet.Type);
        int optionsLength = flags != 0 ? 8 + 4 : 0;
        int length = 8 + 20 + Pad(captured) + optionsLength + 4;
        Span<byte> b = Reserve(length);
        int written = CopyFrame(packet, b[28..], out long wireLength);
        b.Slice(28 + written, Pad(written) - written).Clear();
        ulong t = (ulong)packet.TimestampNanoseconds;
        BinaryPrimitives.WriteUInt32LittleEndian(b, BlockTypeEpb);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], id);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], (uint)(t >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(b[16..], (uint)t);
        BinaryPrimitives.WriteUInt32LittleEndian(b[20..], (uint)written);
        BinaryPrimitives.WriteUInt32LittleEndian(b[24..], (uint)wireLength);
        int o = 28 + Pad(written);
        if (flags != 0)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b[o..], OptFlags);
            BinaryPrimitives.WriteUInt16LittleEndian(b[(o + 2)..], 4);
            BinaryPrimitives.WriteUInt32LittleEndian(b[(o + 4)..], flags);
            BinaryPrimitives.WriteUInt32LittleEndian(b[(o + 8)..], 0); // end of options
        }
        BinaryPrimitives.WriteUInt32LittleEndian(b[(length - 4)..], (uint)length);
        Commit(length);
    }

    private uint InterfaceId(LinkType linkType, int interfaceIndex)
    {
        var key = (linkType, interfaceIndex);
        if (_lastId != uint.MaxValue && _lastKey == key) return _lastId;
        if (!_interfaces.TryGetValue(key, out uint id))
        {
            id = (uint)_interfaces.Count;
            _interfaces.Add(key, id);
            WriteInterface(linkType);
        }
        _lastKey = key;
        _lastId = id;
        return id;
    }

    private void WriteInterface(LinkType linkType)
    {
        const int length = 8 + 8 + 8 + 4 + 4;
        Span<byte> b = Reserve(length);
        b.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b, BlockTypeIdb);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], length);
        BinaryPrimitives.WriteUInt16LittleEndian(b[8..], (ushort)linkType);
        BinaryPrimitives.WriteUInt32LittleEndian(b[12..], (uint)Options.SnapLength);
        BinaryPrimitives.WriteUInt16LittleEndian(b[16..], OptTsResol);
        BinaryPrimitives.WriteUInt16LittleEndian(b[18..], 1);
        b[20] = 9; // 10^-9 s: nanoseconds
        BinaryPrimitives.WriteUInt16LittleEndian(b[24..], OptEndOfOptions);
        BinaryPrimitives.WriteUInt32LittleEndian(b[(length - 4)..], length);
        Commit(length);
    }

    private static int Pad(int length) => (length + 3) & ~3;
}
