using SlimCap.Reactive;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.FilterLanguage;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Packets;

namespace Dump;

/// <summary>
/// <c>Dump --compile [--ddd] EXPR</c>: prints the program an expression compiles to, as <c>tcpdump -d</c> / <c>-ddd</c>
/// print it. With -r FILE it is compiled for the file's link type, as tcpdump filters a file; otherwise for the
/// interface's, as libpcap compiles a Linux socket filter (so <c>vlan</c> reads the kernel's stripped tag).
/// </summary>
internal static class FilterCompile
{
    public static int Run(DumpSettings settings, bool decimalForm)
    {
        try
        {
            var options = new PcapFilterOptions { SnapLength = (uint)Math.Clamp(settings.SnapLength, 1, CaptureLength.Maximum) };
            if (settings.ReadFile is not null)
            {
                using CaptureFileSource file = CaptureFileSource.Open(settings.ReadFile);
                options = options with { LinkType = file.LinkType };
            }
            else if (OperatingSystem.IsLinux())
            {
                options = options with { LinkType = NetworkLinks.Get(settings.Device).LinkType, LinuxKernel = true };
            }
            else
            {
                Console.Error.WriteLine("dump: compiling for an interface needs Linux; give -r FILE to compile for a capture file's link type.");
                return 2;
            }
            BpfProgram program = PcapFilter.Compile(settings.Filter ?? "", options);
            Console.Write(program.ToString(decimalForm ? BpfTextFormat.Decimal : BpfTextFormat.Listing));
            return 0;
        }
        catch (Exception e) when (e is CaptureException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"dump: {e.Message}");
            return 1;
        }
    }
}
