using System.Globalization;
using System.Text;

namespace Tenni.IO;

/// <summary>
/// How names that may hold any character (file names on Linux can hold tabs, newlines and escape
/// sequences) are written into line-based text: one rule for the run's lists, one for people, one for CSV.
/// </summary>
internal static class TextEscaping
{
    /// <summary>
    /// For tab-separated lists and one-name-per-line files (<c>train.tsv</c>, <c>*.files.txt</c>):
    /// backslash, tab, line feed and carriage return become <c>\\</c>, <c>\t</c>, <c>\n</c>, <c>\r</c>,
    /// other control characters <c>\xHH</c> (C0, DEL) or <c>\uHHHH</c> (C1). Reversed by <see cref="FromListField"/>.
    /// </summary>
    public static string ToListField(string text) => Escape(text, escapeBackslash: true);

    /// <summary>The inverse of <see cref="ToListField"/>.</summary>
    /// <exception cref="TenniException">An escape that <see cref="ToListField"/> never writes.</exception>
    public static string FromListField(string field)
    {
        if (!field.Contains('\\'))
        {
            return field;
        }

        var builder = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] != '\\')
            {
                builder.Append(field[i]);
                continue;
            }

            char next = i + 1 < field.Length ? field[i + 1] : '\0';
            int digits = next switch { 'x' => 2, 'u' => 4, _ => 0 };
            if (next is '\\' or 't' or 'n' or 'r')
            {
                builder.Append(next switch { 't' => '\t', 'n' => '\n', 'r' => '\r', _ => '\\' });
                i++;
            }
            else if (digits > 0 && i + 2 + digits <= field.Length
                && int.TryParse(field.AsSpan(i + 2, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
            {
                builder.Append((char)code);
                i += 1 + digits;
            }
            else
            {
                throw new TenniException($"bad escape at position {i} of '{ForDisplay(field)}'; expected \\\\, \\t, \\n, \\r, \\xHH or \\uHHHH");
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// For people (messages, tables, logs): control characters become visible escapes (<c>\n</c>,
    /// <c>\x1b</c>, …) so that a name can neither break a line nor send a terminal a command.
    /// </summary>
    public static string ForDisplay(string text) => Escape(text, escapeBackslash: false);

    /// <summary>One CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, quote, CR or LF.</summary>
    public static string ForCsv(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (text.Length > 0 && (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1])))
            ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
            : text;

    /// <summary>C0 controls, DEL, C1 controls, and the Unicode controls that reorder or hide text (bidi overrides, line/paragraph separators).</summary>
    public static bool IsControl(char c) =>
        c < 0x20 || c is >= '\u007f' and <= '\u009f' || c is '\u2028' or '\u2029' || c is >= '\u202a' and <= '\u202e' || c is >= '\u2066' and <= '\u2069';

    // Backslash is escaped only where the text must read back (lists); a person reads "a\b" as it is.
    private static string Escape(string text, bool escapeBackslash)
    {
        if (!text.Any(c => IsControl(c) || (escapeBackslash && c == '\\')))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            builder.Append(c switch
            {
                '\\' when escapeBackslash => @"\\",
                '\t' => @"\t",
                '\n' => @"\n",
                '\r' => @"\r",
                _ when c < 0x80 && IsControl(c) => $@"\x{(int)c:x2}",
                _ when IsControl(c) => $@"\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
