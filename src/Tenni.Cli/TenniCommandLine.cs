using System.CommandLine;
using Tenni.Cli.Commands;

namespace Tenni.Cli;

/// <summary>
/// Parses the command line and runs one command. Exit codes: 0 success, 2 bad input (a one-line message,
/// no stack trace unless --verbose), 1 an unexpected failure.
/// </summary>
public static class TenniCommandLine
{
    public const int BadInput = 2;
    public const int Failure = 1;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        // A live progress bar only where a person watches: the real console's error stream, not redirected.
        var status = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected && Spectre.Console.AnsiConsole.Profile.Capabilities.Interactive
            ? new LiveStatusLine(error)
            : null;
        output = new ControlCharacterWriter(output);
        error = new ControlCharacterWriter(error);
        if (status is not null)
        {
            output = new StatusAwareWriter(output, status);
            error = new StatusAwareWriter(error, status);
        }

        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces for errors", Recursive = true };
        var context = new CommandContext(output, error, verbose) { Status = status };
        var root = new RootCommand("Tenni: transfer learning on images with ImageNet models, in .NET")
        {
            verbose,
            LayersCommand.Create(context),
            ShowCommand.Create(context),
            ExtractCommand.Create(context),
            FeaturesCommand.Create(context),
            VerifyCommand.Create(context),
            TrainCommand.Create(context),
            TrainCommand.CreateLrFind(context),
            PredictCommand.Create(context),
            EvaluateCommand.Create(context),
            ReportCommand.Create(context),
            ExportCommand.Create(context),
            ServeCommand.Create(context),
        };

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"error: {problem.Message}");
            }

            error.WriteLine("See 'tenni --help'.");
            return BadInput;
        }

        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }
}
