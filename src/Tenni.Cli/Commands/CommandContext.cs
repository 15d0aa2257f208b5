using System.CommandLine;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary>The writers and global options every command shares, and the one place errors become exit codes.</summary>
public sealed class CommandContext(TextWriter output, TextWriter error, Option<bool> verbose)
{
    /// <summary>The live status line of an interactive terminal; null when output is redirected (plain progress lines then).</summary>
    internal LiveStatusLine? Status { get; init; }

    public TextWriter Output { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>Runs a command body: user errors print one line and exit 2; anything else exits 1.</summary>
    public int Execute(ParseResult parsed, Func<int> body)
    {
        bool showTrace = parsed.GetValue(verbose);
        try
        {
            return body();
        }
        catch (TenniException e)
        {
            // One line, whatever names the message quotes.
            Error.WriteLine($"error: {TextEscaping.ForDisplay(e.Message)}");
            if (showTrace)
            {
                Error.WriteLine(e);
            }

            return TenniCommandLine.BadInput;
        }
        catch (Exception e)
        {
            string first = TextEscaping.ForDisplay(e.Message.Split('\n')[0]);
            Error.WriteLine(showTrace ? $"error: unexpected {e.GetType().Name}: {first}" : $"error: unexpected {e.GetType().Name}: {first} (run with --verbose for details)");
            if (showTrace)
            {
                Error.WriteLine(e);
            }

            return TenniCommandLine.Failure;
        }
    }
}
