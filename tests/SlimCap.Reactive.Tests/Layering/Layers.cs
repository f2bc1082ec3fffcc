namespace SlimCap.Reactive.Tests.Layering;

/// <summary>
/// The library's layers, bottom-up: the one place their order is written down (README's layout section describes it,
/// <see cref="LayeringTests"/> enforces it). Each layer is one folder of src/SlimCap.Reactive and one namespace; a layer
/// may use the layers below it and never one above, so there is no cycle either.
/// </summary>
internal static class Layers
{
    /// <summary>Folder and namespace of each layer, lowest first.</summary>
    public static readonly IReadOnlyList<(string Folder, string Namespace)> BottomUp =
    [
        ("Errors", "SlimCap.Reactive.Errors"),                 // CaptureException and the exceptions several layers throw; errno names
        ("Interop", "SlimCap.Reactive.Interop"),               // syscalls, native structs, SafeHandles: unsafe allowed
        ("Events", "SlimCap.Reactive.Events"),                 // eventfd + ppoll wake-ups
        ("Packets", "SlimCap.Reactive.Packets"),               // PacketRef, PacketBlock leases, CaptureSource and its read styles
        ("Filters", "SlimCap.Reactive.Filters"),               // classic BPF: programs, checkers, interpreters, capture lengths
        ("FilterLanguage", "SlimCap.Reactive.FilterLanguage"), // the pcap-filter compiler
        ("Links", "SlimCap.Reactive.Links"),                   // interface discovery
        ("Socket", "SlimCap.Reactive.Socket"),                 // AF_PACKET socket setup, kernel statistics
        ("Ring", "SlimCap.Reactive.Ring"),                     // TPACKET_V3 layout, block walker, ring images: unsafe allowed
        ("Capture", "SlimCap.Reactive.Capture"),               // the live sources, their options, fan-out groups
        ("Files", "SlimCap.Reactive.Files"),                   // pcap/pcapng reading and writing
        ("Dataflow", "SlimCap.Reactive.Dataflow"),             // TPL Dataflow fan-out, the writer's Dataflow face
        ("Reactive", "SlimCap.Reactive"),                      // the root: Rx, await foreach, lease-aware operators
    ];

    /// <summary>The folders whose code may be <c>unsafe</c> (pointers, <c>fixed</c>, function pointers).</summary>
    public static readonly IReadOnlySet<string> UnsafeFolders = new HashSet<string> { "Interop", "Ring" };

    /// <summary>The position of <paramref name="ns"/> in <see cref="BottomUp"/>, or -1 when it is no layer's.</summary>
    public static int IndexOf(string ns)
    {
        for (int i = 0; i < BottomUp.Count; i++)
            if (BottomUp[i].Namespace == ns) return i;
        return -1;
    }

    /// <summary>The position of the layer that lives in <paramref name="folder"/>, or -1.</summary>
    public static int IndexOfFolder(string folder)
    {
        for (int i = 0; i < BottomUp.Count; i++)
            if (BottomUp[i].Folder == folder) return i;
        return -1;
    }
}
