using System.CommandLine;
using Tenni.Cli;
using Tenni.Cli.Commands;
using Tenni.Training;

namespace Tenni.Tests.Cli;

/// <summary>The live progress bar of an interactive terminal, drawn into a writer that stands for the terminal.</summary>
public sealed class ProgressDisplayTests
{
    private const string Erase = "\r\u001b[2K";

    [Fact]
    public void Files_Terminal_RedrawsOneLineAndFinishesIt()
    {
        var (context, terminal, _) = Terminal();
        var progress = ProgressDisplay.Files(context, "cache");

        progress.Report(new ExtractionProgress(0, 4, 0));
        progress.Report(new ExtractionProgress(4, 4, 1));

        string drawn = terminal.ToString();
        Assert.StartsWith(Erase + "cache [" + new string('░', 24) + "] 0/4 0%", drawn);
        Assert.Contains(Erase + "cache [" + new string('█', 24) + "] 4/4 100%", drawn);
        Assert.Contains("1 skipped", drawn);
        Assert.EndsWith("\n", drawn);
    }

    [Fact]
    public void Output_WhileBarShown_ClearsItFirstAndRedrawsAfterTheLine()
    {
        var (context, terminal, output) = Terminal();
        var status = context.Status!;
        status.Show("train [bar]", force: true);
        var writer = new StatusAwareWriter(output, status);

        writer.WriteLine("epoch 1 row");

        Assert.Equal(Erase + "train [bar]" + Erase + Erase + "train [bar]", terminal.ToString());
        Assert.Equal("epoch 1 row" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void Epochs_Terminal_OneFinishedBarPerEpoch()
    {
        var (context, terminal, _) = Terminal();
        var progress = ProgressDisplay.Epochs(context)!;

        // Two epochs of three iterations; the last iteration of an epoch reports the next epoch's number.
        foreach (long iteration in new long[] { 1, 2, 3, 4, 5, 6 })
        {
            progress.Report(new TrainingProgress((int)(iteration / 3), 2, iteration, 6, 3, iteration));
        }

        string[] lines = terminal.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.EndsWith("train: epoch 1/2 [" + new string('█', 24) + "] 3/3 · 1.0 it/s · 0:03 left", lines[0]);
        Assert.EndsWith("train: epoch 2/2 [" + new string('█', 24) + "] 3/3 · 1.0 it/s · done", lines[1]);
    }

    [Fact]
    public void Epochs_Redirected_NoBar()
    {
        var context = new CommandContext(new StringWriter(), new StringWriter(), new Option<bool>("--verbose"));

        Assert.Null(ProgressDisplay.Epochs(context));
    }

    private static (CommandContext Context, StringWriter Terminal, StringWriter Output) Terminal()
    {
        var terminal = new StringWriter();
        var output = new StringWriter();
        var context = new CommandContext(output, terminal, new Option<bool>("--verbose")) { Status = new LiveStatusLine(terminal) };
        return (context, terminal, output);
    }
}
