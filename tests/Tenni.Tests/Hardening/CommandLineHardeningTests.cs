using System.CommandLine;
using System.Security.Cryptography;
using Tenni.Cli.Commands;
using Tenni.Data;
using Tenni.Tests.Cli;
using Tenni.Tests.Support;

namespace Tenni.Tests.Hardening;

/// <summary>
/// The command line under bad options and hostile names: every case ends in exit 2 and one line, no input
/// file changes, and nothing is left half-written. None of these needs a model: options and outputs are
/// checked before one is loaded.
/// </summary>
public sealed class CommandLineHardeningTests
{
    [Theory]
    [InlineData("extract")]
    [InlineData("show")]
    public void OutputThatIsTheInput_Refused_InputUnchanged(string command)
    {
        string data = TempDataset.Create(("a", 1));
        string image = Path.Combine(data, "a", "0000.png");
        byte[] before = SHA256.HashData(File.ReadAllBytes(image));

        var (code, _, error) = CliRunner.Run(command, image, "--out", image);

        Assert.Equal(2, code);
        Assert.Contains("is also an input", error);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(image)));
    }

    [Fact]
    public void Extract_OutputReachedThroughALink_Refused()
    {
        string data = TempDataset.Create(("a", 1));
        string image = Path.Combine(data, "a", "0000.png");
        string link = Path.Combine(Directory.CreateTempSubdirectory("tenni-link").FullName, "features.npy");
        File.CreateSymbolicLink(link, image);

        var (code, _, error) = CliRunner.Run("extract", image, "--out", link);

        Assert.Equal(2, code);
        Assert.Contains("is also an input", error);
    }

    [Fact]
    public void OutputsInsideTheDataFolder_Refused()
    {
        string data = TempDataset.Create(("a", 2), ("b", 2));

        var verify = CliRunner.Run("verify", data, "--report", Path.Combine(data, "a", "report.json"));
        var extract = CliRunner.Run("extract", data, "--out", Path.Combine(data, "features.npy"));
        var train = CliRunner.Run("train", "--data", data, "--out", Path.Combine(data, "run"));

        Assert.All(new[] { verify, extract, train }, r => Assert.Equal(2, r.ExitCode));
        Assert.All(new[] { verify, extract, train }, r => Assert.Contains("never writes into a data folder", r.Error));
        Assert.Equal(4, Directory.EnumerateFileSystemEntries(data, "*", SearchOption.AllDirectories).Count(File.Exists));
    }

    [Theory]
    [InlineData("--lr", "NaN")]
    [InlineData("--lr", "-1")]
    [InlineData("--head-lr-scale", "Infinity")]
    [InlineData("--split", "1.5")]
    [InlineData("--weight-decay", "-0.1")]
    [InlineData("--per-class", "0")]
    [InlineData("--early-stopping", "0")]
    [InlineData("--log-name", "../escape")]
    [InlineData("--log-name", "model.json")]
    [InlineData("--classes", "a,../b")]
    [InlineData("--epochs", "0")]
    public void Train_BadOption_Exit2AndNoRunFolder(string option, string value)
    {
        string data = TempDataset.Create(("a", 2), ("b", 2));
        string run = Path.Combine(Directory.CreateTempSubdirectory("tenni-run").FullName, "run");

        var (code, _, error) = CliRunner.Run("train", "--data", data, "--out", run, option, value);

        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(Directory.Exists(run), $"{option} {value} left a run folder behind");
    }

    [Fact]
    public void Train_DataFailsAfterTheFolderWasMade_NoRunFolderLeft()
    {
        string data = TempDataset.Create(("only", 2)); // one class: refused by the scan, after the folder exists
        string run = Path.Combine(Directory.CreateTempSubdirectory("tenni-run").FullName, "run");

        var (code, _, error) = CliRunner.Run("train", "--data", data, "--out", run);

        Assert.Equal(2, code);
        Assert.Contains("at least two", error);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Predict_EmptyFolder_Exit2WithWhatWasExpected()
    {
        string empty = Directory.CreateTempSubdirectory("tenni-empty").FullName;

        var (code, _, error) = CliRunner.Run("predict", "--run", empty, empty);

        Assert.Equal(2, code);
        Assert.Contains("no files found", error);
    }

    [Theory]
    [InlineData("--batch", "0")]
    [InlineData("--top", "0")]
    public void Predict_BadCount_Exit2(string option, string value)
    {
        string data = TempDataset.Create(("a", 1));

        var (code, _, error) = CliRunner.Run("predict", "--run", data, data, option, value);

        Assert.Equal(2, code);
        Assert.Contains("must be at least 1", error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Execute_UnexpectedError_Exit1WithTraceOnlyWhenVerbose(bool verbose)
    {
        var flag = new Option<bool>("--verbose");
        var error = new StringWriter();
        var context = new CommandContext(new StringWriter(), error, flag);
        ParseResult parsed = new RootCommand { flag }.Parse(verbose ? ["--verbose"] : []);

        int code = context.Execute(parsed, () => throw new InvalidOperationException("boom\nsecond line"));

        Assert.Equal(1, code);
        Assert.StartsWith("error: unexpected InvalidOperationException: boom", error.ToString());
        Assert.Equal(verbose, error.ToString().Contains("at Tenni.Tests", StringComparison.Ordinal));
    }

    [Fact]
    public void Verify_NameWithEscapeSequence_PrintedEscapedOnOneLine()
    {
        string data = TempDataset.Create(("a", 2), ("b", 2));
        File.WriteAllText(Path.Combine(data, "a", "\u001b[2J\u001b]0;owned\u0007\nfake.jpg"), "not an image");

        var (code, output, _) = CliRunner.Run("verify", data);

        Assert.Equal(0, code);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u0007', output);
        Assert.Contains(output.Split('\n'), l => l.Contains(@"\x1b[2J\x1b]0;owned\x07\nfake.jpg") && l.Contains("not an image"));
    }

    [Fact]
    public void DatasetSplit_NamesWithTabsNewlinesAndEscapes_SaveAndLoadBackExactly()
    {
        string data = TempDataset.Create(("a", 2), ("b", 2));
        foreach (string name in new[] { "tab\tname.png", "new\nline.png", "\u001b[31m.png", "back\\n.png" })
        {
            TempDataset.WriteImage(Path.Combine(data, "a", name), name.Length + 100);
        }

        var split = DatasetSplit.FromFolder(data);
        string run = Directory.CreateTempSubdirectory("tenni-split").FullName;
        split.Save(run);
        var loaded = DatasetSplit.Load(run, split.Classes);

        Assert.Equal(split.Train.Select(s => (s.Path, s.Label, s.ContentHash)), loaded.Train.Select(s => (s.Path, s.Label, s.ContentHash)));
        Assert.Equal(split.Validation.Select(s => (s.Path, s.Label, s.ContentHash)), loaded.Validation.Select(s => (s.Path, s.Label, s.ContentHash)));
        Assert.Equal(split.Train.Count + 1, File.ReadAllLines(Path.Combine(run, DatasetSplit.TrainFile)).Length);
    }

    [Theory]
    [InlineData("0\ta\tabc\tx.png")]
    [InlineData("7\ta\t" + Hash + "\tx.png")]
    [InlineData("-1\ta\t" + Hash + "\tx.png")]
    [InlineData("0\tb\t" + Hash + "\tx.png")]
    [InlineData("0\ta\t" + Hash)]
    [InlineData("0\ta\t" + Hash + "\tbad\\q.png")]
    public void DatasetSplit_DamagedLine_TenniExceptionNamingTheLine(string line)
    {
        string run = Directory.CreateTempSubdirectory("tenni-split").FullName;
        File.WriteAllText(Path.Combine(run, DatasetSplit.TrainFile), "label\tclass\tsha256\tpath\n" + line + "\n");
        File.WriteAllText(Path.Combine(run, DatasetSplit.ValidationFile), "label\tclass\tsha256\tpath\n");

        var e = Assert.Throws<TenniException>(() => DatasetSplit.Load(run, ["a", "b"]));

        Assert.Contains("line 2 of", e.Message);
    }

    private const string Hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
}
