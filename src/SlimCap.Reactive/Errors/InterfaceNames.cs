using System.Text;

namespace SlimCap.Reactive.Errors;

/// <summary>The kernel's rules for interface names (net/core/dev.c, <c>dev_valid_name</c>), applied to the UTF-8 bytes it sees.</summary>
internal static class InterfaceNames
{
    /// <summary>IFNAMSIZ: 16 bytes with the terminating NUL.</summary>
    internal const int MaxBytes = 15;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Why the kernel would refuse <paramref name="name"/>, or null when it is a valid name.</summary>
    internal static string? Problem(string name)
    {
        if (name.Length == 0) return "it is empty";
        if (name is "." or "..") return "'.' and '..' name directories, not interfaces";
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c)) return $"it holds a lone surrogate (U+{(int)c:X4}), which has no UTF-8 form";
            if (c == '\0') return "it holds a NUL";
            if (c == '/') return "it holds '/'";
            if (c == ':') return "it holds ':'";
            if (c is ' ' or >= '\t' and <= '\r') return $"it holds whitespace (U+{(int)c:X4}) the kernel refuses";
        }
        byte[] bytes = Strict.GetBytes(name);
        if (bytes.Length > MaxBytes) return $"it is {bytes.Length} bytes in UTF-8, more than the kernel's {MaxBytes} (IFNAMSIZ)";
        // The kernel's isspace() also counts 0xA0 (Latin-1 no-break space), byte by byte: U+00A0 and any character
        // whose UTF-8 holds that byte (U+0160, U+0420, ...) make a name it refuses.
        if (Array.IndexOf(bytes, (byte)0xA0) >= 0) return "its UTF-8 holds the byte 0xA0, which the kernel counts as whitespace (as in U+00A0)";
        return null;
    }

    /// <summary>The name with control characters, NUL, backslash and lone surrogates escaped, for messages.</summary>
    internal static string Escape(string name)
    {
        var escaped = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
            {
                escaped.Append(c).Append(name[++i]);
                continue;
            }
            escaped.Append(c switch
            {
                '\0' => "\\0",
                '\r' => "\\r",
                '\n' => "\\n",
                '\t' => "\\t",
                '\\' => "\\\\",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }
}
