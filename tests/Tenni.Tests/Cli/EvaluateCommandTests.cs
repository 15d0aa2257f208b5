using System.Text.Json;
using Tenni.Imaging;
using Tenni.IO;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Cli;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class EvaluateCommandTests(TrainedRunFixture run) : IClassFixture<TrainedRunFixture>
{
    [Fact]
    public void Evaluate_ValidationSplit_PrintsPerClassTableAndWritesConsistentJson()
    {
        string json = Path.Combine(Directory.CreateTempSubdirectory("tenni-evaluate").FullName, "evaluation.json");

        var (code, output, error) = CliRunner.Run("evaluate", "--run", run.Folder, "--json", json);

        Assert.True(code == 0, error);
        Assert.Matches(@"evaluated \d+ photos", output);
        Assert.Matches(@"accuracy [01]\.\d{4}, balanced accuracy [01]\.\d{4}, log loss \d+\.\d{4}", output);
        Assert.Contains("precision", output);
        Assert.Contains("true \\ predicted", output);
        using var parsed = JsonDocument.Parse(File.ReadAllText(json));
        var evaluation = parsed.RootElement.GetProperty("evaluation");
        int count = evaluation.GetProperty("count").GetInt32();
        int[][] confusion = [.. evaluation.GetProperty("confusion_matrix").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray())];
        Assert.Equal(count, confusion.Sum(r => r.Sum()));
        double accuracy = (double)(confusion[0][0] + confusion[1][1]) / count;
        Assert.Equal(accuracy, evaluation.GetProperty("accuracy").GetDouble(), 10);
        Assert.Equal(count, evaluation.GetProperty("per_class").EnumerateArray().Sum(c => c.GetProperty("support").GetInt32()));
    }

    [Fact]
    public void Evaluate_FolderWithTta_ReportsBothAccuracies()
    {
        string data = Directory.CreateTempSubdirectory("tenni-evaluate-data").FullName;
        Directory.CreateDirectory(Path.Combine(data, "Dog"));
        foreach (string photo in run.Photos.Where(p => p.Contains("/Dog/")))
        {
            File.Copy(photo, Path.Combine(data, "Dog", Path.GetFileName(photo)));
        }

        var (code, output, error) = CliRunner.Run("evaluate", "--run", run.Folder, "--data", data, "--tta", "flip");

        Assert.True(code == 0, error);
        Assert.Contains("evaluated 4 photos", output);
        Assert.Matches(@"accuracy [01]\.\d{4} \(without tta [01]\.\d{4}\)", output);
    }

    [Fact]
    public void Evaluate_HeldOutFolder_AccuracyIsPredictsAnswersCounted()
    {
        string data = Directory.CreateTempSubdirectory("tenni-evaluate-held-out").FullName;
        foreach (string name in new[] { "Cat", "Dog" })
        {
            Directory.CreateDirectory(Path.Combine(data, name));
            foreach (string photo in TestData.Photos(name, 24).Skip(12))
            {
                File.Copy(photo, Path.Combine(data, name, Path.GetFileName(photo)));
            }
        }

        string json = Path.Combine(data + "-out", "evaluation.json");
        Directory.CreateDirectory(Path.GetDirectoryName(json)!);
        var evaluated = CliRunner.Run("evaluate", "--run", run.Folder, "--data", data, "--json", json);
        var predicted = CliRunner.Run("predict", "--run", Path.Combine(run.Folder, "best"), data, "--csv");

        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Assert.Equal(0, predicted.ExitCode);
        string[] rows = [.. predicted.Output.Trim().Split('\n').Skip(1).Where(r => r.Length > 0)];
        Assert.Equal(24, rows.Length);
        int right = rows.Count(r => r.Split(',')[1] == Path.GetFileName(Path.GetDirectoryName(r.Split(',')[0])));
        using var parsed = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal((double)right / rows.Length, parsed.RootElement.GetProperty("evaluation").GetProperty("accuracy").GetDouble(), 12);
    }

    [Fact]
    public void Evaluate_BadInput_OneLineAndExitCode2()
    {
        string unknown = Directory.CreateTempSubdirectory("tenni-evaluate-unknown").FullName;
        Directory.CreateDirectory(Path.Combine(unknown, "Horse"));
        File.Copy(run.Photos[0], Path.Combine(unknown, "Horse", "a.jpg"));
        (string Message, string[] Args)[] cases =
        [
            ("has classes the model does not know: Horse; the model's classes are Cat, Dog", ["evaluate", "--run", run.Folder, "--data", unknown]),
            ("does not exist", ["evaluate", "--run", run.Folder, "--data", "/no/such/folder"]),
            ("run folder '/no/such/run' does not exist", ["evaluate", "--run", "/no/such/run"]),
            ("--model must be best or last", ["evaluate", "--run", run.Folder, "--model", "first"]),
            ("--top-losses must be 0 to 10000", ["evaluate", "--run", run.Folder, "--top-losses", "-1"]),
        ];
        foreach (var (message, args) in cases)
        {
            var (code, _, error) = CliRunner.Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)} → {code}: {error}");
            Assert.Contains(message, error);
            Assert.DoesNotContain("   at ", error);
        }
    }

    [Fact]
    public void PredictFiles_FlipTta_IsTheMeanOfThePhotoAndItsMirror()
    {
        using var classifier = TrainedClassifier.Load(run.Folder);
        string photo = run.Photos[0];
        var fitted = classifier.Preprocessing.Fit(ImageDecoder.Decode(photo));
        int length = classifier.Preprocessing.Length;
        float[] values = new float[2 * length];
        classifier.Preprocessing.Normalize(fitted, values.AsSpan(0, length));
        classifier.Preprocessing.Normalize(ImageCrop.FlipHorizontal(fitted), values.AsSpan(length, length));
        using var batch = AlignedTensor.From(values, 2, 3L, classifier.Preprocessing.Size, classifier.Preprocessing.Size);
        using var probabilities = classifier.Probabilities(batch);
        float[] expected = probabilities.mean([0L]).contiguous().data<float>().ToArray();

        float[] tta = classifier.PredictFiles([photo], tta: TestTimeAugmentation.Flip).Single().Probabilities!;
        float[] plain = classifier.PredictFiles([photo]).Single().Probabilities!;
        float[] crops = classifier.PredictFiles([photo], tta: TestTimeAugmentation.Crops).Single().Probabilities!;

        Assert.Equal(expected[0], tta[0], 1e-5f); // the same float32 forward passes, averaged in another order
        Assert.Equal(expected[1], tta[1], 1e-5f);
        Assert.NotEqual(plain[0], tta[0]);
        Assert.NotEqual(tta[0], crops[0]);
        Assert.Equal(1f, crops.Sum(), 1e-5f);
    }
}
