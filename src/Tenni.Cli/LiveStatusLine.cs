using System.Diagnostics;

namespace Tenni.Cli;

/// <summary>
/// One status line (a progress bar) at the bottom of an interactive terminal, redrawn in place at most
/// ten times a second. Everything else Tenni prints goes through a <see cref="StatusAwareWriter"/>, which
/// clears the line first and redraws it after each finished line, so the bar never mixes with output.
/// Its text is Tenni's own (labels and numbers, never a file name), so it is written unescaped.
/// </summary>
internal sealed class LiveStatusLine(TextWriter terminal)
{
    private const string EraseLine = "\r\u001b[2K";
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string _text = "";
    private bool _drawn;
    private double _lastDraw = double.NegativeInfinity;

    /// <summary>Sets the status; drawn now if <paramref name="force"/> or 0.1 s have passed since the last draw.</summary>
    public void Show(string text, bool force = false)
    {
        lock (_gate)
        {
            _text = text;
            double now = _clock.Elapsed.TotalSeconds;
            if (force || now - _lastDraw >= 0.1)
            {
                _lastDraw = now;
                Draw();
            }
        }
    }

    /// <summary>Leaves the last status on screen as a finished line; the next status starts a new one.</summary>
    public void Finish()
    {
        lock (_gate)
        {
            if (_text.Length > 0)
            {
                Draw();
                terminal.Write('\n');
                terminal.Flush();
            }

            (_text, _drawn) = ("", false);
        }
    }

    /// <summary>Removes the status from the screen (before other output).</summary>
    public void Hide()
    {
        lock (_gate)
        {
            if (_drawn)
            {
                terminal.Write(EraseLine);
                terminal.Flush();
                _drawn = false;
            }
        }
    }

    /// <summary>Draws the status again (after other output finished a line).</summary>
    public void Restore()
    {
        lock (_gate)
        {
            if (_text.Length > 0 && !_drawn)
            {
                Draw();
            }
        }
    }

    private void Draw()
    {
        terminal.Write(EraseLine + _text);
        terminal.Flush();
        _drawn = true;
    }
}

/// <summary>A writer that hides the <see cref="LiveStatusLine"/> while it writes and restores it after each line.</summary>
internal sealed class StatusAwareWriter(TextWriter inner, LiveStatusLine status) : TextWriter
{
    public override System.Text.Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        status.Hide();
        inner.Write(value);
        if (value == '\n')
        {
            inner.Flush();
            status.Restore();
        }
    }

    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        status.Hide();
        inner.Write(value);
        if (value.EndsWith('\n'))
        {
            inner.Flush();
            status.Restore();
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value) => Write((value ?? "") + NewLine);

    public override void Flush() => inner.Flush();
}
