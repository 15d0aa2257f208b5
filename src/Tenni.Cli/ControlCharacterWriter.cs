using System.Text;
using Tenni.IO;

namespace Tenni.Cli;

/// <summary>
/// Everything Tenni prints goes through this writer: control characters other than line feed and tab
/// become visible escapes (<see cref="TextEscaping.ForDisplay"/>), so that a file name holding an
/// escape sequence or a carriage return can never send a command to the terminal or overwrite a line.
/// Names that must stay exact are in the JSON outputs (where JSON escapes them) and the run's files.
/// </summary>
internal sealed class ControlCharacterWriter(TextWriter inner) : TextWriter
{
    /// <summary>The writer underneath (the console, for the progress bar's check).</summary>
    public TextWriter Inner => inner;

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override void Write(char value)
    {
        if (Passes(value))
        {
            inner.Write(value);
        }
        else
        {
            inner.Write(TextEscaping.ForDisplay(value.ToString()));
        }
    }

    public override void Write(string? value)
    {
        if (value is not null)
        {
            inner.Write(Escape(value));
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => inner.WriteLine(value is null ? null : Escape(value));

    public override void Flush() => inner.Flush();

    private static bool Passes(char c) => c is '\n' or '\t' || !TextEscaping.IsControl(c);

    private static string Escape(string text)
    {
        if (text.All(Passes))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            builder.Append(Passes(c) ? c.ToString() : TextEscaping.ForDisplay(c.ToString()));
        }

        return builder.ToString();
    }
}
