namespace SlimCap.Reactive.Filters;

/// <summary>
/// A compiled classic-BPF program with libpcap's <c>bpf_filter</c> semantics (see <see cref="BpfProgram.Run(ReadOnlySpan{byte}, uint)"/>).
/// </summary>
/// <param name="packet">The captured bytes (libpcap's buffer and caplen).</param>
/// <param name="wireLength">The packet's length on the wire (what <c>len</c> loads).</param>
/// <returns>The program's return value; 0 drops the packet.</returns>
public delegate uint BpfFilterFunction(ReadOnlySpan<byte> packet, uint wireLength);
