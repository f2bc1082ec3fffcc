using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Errors;
using SlimCap.Reactive.Links;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Links;

/// <summary>
/// Interface names as the kernel judges them: every name it accepts (Unicode spaces such as U+2003 and U+3000 are
/// not whitespace to it) is listed and capturable; a name it refuses is an <see cref="InvalidInterfaceNameException"/>
/// whose message shows the name escaped.
/// </summary>
[Collection(LiveCaptureCollection.Name)]
public sealed class InterfaceNameTests
{
    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }

    public static TheoryData<string, string> BadNames() => new()
    {
        { "", "empty" },
        { "sixteen-bytes-xx", "16 bytes" },
        { "a\u2003b\u2003c\u2003d\u2003", "more than the kernel's 15" },
        { "a/b", "'/'" },
        { "a:b", "':'" },
        { "a\0b", "NUL" },
        { "a b", "whitespace" },
        { "a\tb", "whitespace" },
        { "a\r\nb", "whitespace" },
        { "a\u00A0b", "0xA0" },
        { "a\u0160b", "0xA0" }, // Š is C5 A0 in UTF-8
        { ".", "'.'" },
        { "..", "'.'" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public void A_name_the_kernel_refuses_is_a_typed_error_with_the_name_escaped(string name, string reason) => Refused(name, reason);

    [Fact]
    public void A_lone_surrogate_is_refused_not_looked_up_as_U_FFFD()
    {
        // Built here: theory data would carry the lone surrogates through serialization as U+FFFD.
        Refused("x" + '\uD800' + "y", "lone surrogate");
        Refused("x" + '\uDC00', "lone surrogate");
        Refused('\uDBFF' + "", "lone surrogate");
    }

    private static void Refused(string name, string reason)
    {
        foreach (Func<object> open in new Func<object>[] { () => NetworkLinks.Get(name), () => new RingSource(name), () => new SocketSource(name) })
        {
            var e = Assert.Throws<InvalidInterfaceNameException>(open);
            Assert.IsAssignableFrom<CaptureException>(e);
            Assert.Equal(name, e.InterfaceName);
            Assert.Contains(reason, e.Reason);
            Assert.DoesNotContain('\0', e.Message);
            Assert.DoesNotContain('\r', e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.False(HasLoneSurrogate(e.Message), e.Message);
        }
        Assert.False(NetworkLinks.TryGet(name, out _));
    }

    [Fact]
    public void Escaping_keeps_valid_characters_and_names_the_others()
    {
        var e = new InvalidInterfaceNameException("a\0b\r\n\u0001\uD800\U0001F600", "test");
        Assert.Contains(@"'a\0b\r\n\u0001\uD800" + "\U0001F600'", e.Message);
        var missing = new InterfaceNotFoundException("x\ny", ["lo", "e\rth"]);
        Assert.DoesNotContain('\n', missing.Message);
        Assert.DoesNotContain('\r', missing.Message);
        Assert.Contains(@"x\ny", missing.Message);
    }

    [Fact]
    public void Names_with_unicode_spaces_are_listed_and_capturable()
    {
        Privileges.RequireNetworkNamespaces();
        using var net = new TestNetwork();
        string suffix = net.CaptureInterface[3..Math.Min(net.CaptureInterface.Length, 9)];
        string em = "e\u2003" + suffix, ideographic = "i\u3000" + suffix;
        net.Ip($"-n {net.CaptureNamespace} link add name \"{em}\" type veth peer name \"{ideographic}\"");
        net.Ip($"-n {net.CaptureNamespace} link set dev \"{em}\" up");
        net.Ip($"-n {net.CaptureNamespace} link set dev \"{ideographic}\" up");
        net.Capture(() =>
        {
            Assert.Contains(em, NetworkLinks.Names());
            IReadOnlyList<LinkInfo> links = NetworkLinks.List();
            Assert.Contains(links, l => l.Name == em);
            Assert.Contains(links, l => l.Name == ideographic);
            Assert.Equal(em, NetworkLinks.Get(em).Name);
        });
        using RingSource ring = net.Capture(() => new RingSource(em, new RingOptions { BlockSize = 1 << 16, BlockCount = 2, BlockTimeout = TimeSpan.FromMilliseconds(5) }));
        using var reader = new CaptureReader(ring, 5);
        net.Capture(() =>
        {
            using var injector = new FrameInjector(ideographic);
            for (int i = 0; i < 50 && reader.Frames.Count < 5; i++)
            {
                injector.Send(Frames.Udp(i));
                Thread.Sleep(10);
            }
        });
        Assert.Equal(5, reader.Wait().Count);
        using SocketSource socket = net.Capture(() => new SocketSource(ideographic));
        Assert.Equal(ideographic, socket.Name);
    }
}
