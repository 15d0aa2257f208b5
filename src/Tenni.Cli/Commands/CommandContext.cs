using System.CommandLine;

namespace Tenni.Cli.Commands;

/// <summary>The writers and global options every command shares, and the one place errors become exit codes.</summary>
public sealed class CommandContext(TextWriter output, TextWriter error, Option<bool> verbose)
{
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
            Error.WriteLine($"error: {e.Message}");
            if (showTrace)
            {
                Error.WriteLine(e);
            }

            return TenniCommandLine.BadInput;
        }
        catch (Exception e) when (!showTrace)
        {
            Error.WriteLine($"error: unexpected {e.GetType().Name}: {e.Message.Split('\n')[0]} (run with --verbose for details)");
            return TenniCommandLine.Failure;
        }
    }
}
