using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Tenni.Imaging;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Cli;

/// <summary>
/// Issue 17, item 2 on real photos: a labels CSV made from PetImages-mini (40 cats, 40 dogs; "cat" or
/// "dog" plus "pet" on all) trains a multi-label head that predicts label sets; the same CSV without
/// the extra label trains a single-label model; a bad CSV is one line and exit code 2.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class MultiLabelCommandTests
{
    [Fact]
    [Trait("Category", Categories.RealModel)]
    public void Train_MultiLabelCsv_ReportsThresholdAndMap_PredictsLabelSets_ExportsSigmoid()
    {
        string root = Directory.CreateTempSubdirectory("tenni-multilabel").FullName;
        string csv = PetsCsv(root, extra: ";pet");
        string run = Path.Combine(root, "run");

        var (code, output, error) = CliRunner.Run("train", "--labels", csv, "--multi-label", "--epochs", "3", "--lr", "1e-3", "--out", run);

        Assert.True(code == 0, error);
        Assert.Contains("multi-label heads train with sigmoid + binary cross-entropy", output);
        Assert.Matches(@"multi-label: threshold 0\.\d+ \(tuned for micro-F1 on \d+ validation photos\); micro-F1 [\d.]+, macro-F1 [\d.]+, mAP [\d.]+", output);
        using (var model = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "model.json"))))
        {
            Assert.True(model.RootElement.GetProperty("multi_label").GetBoolean());
            Assert.InRange(model.RootElement.GetProperty("threshold").GetDouble(), 0.05, 0.95);
        }

        using (var scores = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "multilabel-evaluation.json"))))
        {
            Assert.Equal(["cat", "dog", "pet"], scores.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
            // "pet" is on every photo, so its AP is 1 whatever the scores: judge cat and dog, whose chance AP
            // is their share, 0.5. Measured: cat 1.0, dog 0.92, mAP 0.97, micro-F1 0.96 (24 validation photos).
            var labels = scores.RootElement.GetProperty("labels").EnumerateArray().ToDictionary(l => l.GetProperty("name").GetString()!, l => l.GetProperty("average_precision").GetDouble());
            Assert.InRange(labels["cat"], 0.85, 1);
            Assert.InRange(labels["dog"], 0.85, 1);
            Assert.InRange(scores.RootElement.GetProperty("mean_average_precision").GetDouble(), 0.9, 1);
            Assert.InRange(scores.RootElement.GetProperty("micro_f1").GetDouble(), 0.85, 1);
        }

        string[] photos = [TestData.Photos("Cat", 45)[^1], TestData.Photos("Dog", 45)[^1]]; // not in the CSV
        var predicted = CliRunner.Run("predict", "--run", run, "--json", photos[0], photos[1]);
        Assert.True(predicted.ExitCode == 0, predicted.Error);
        using (var json = JsonDocument.Parse(predicted.Output))
        {
            var sets = json.RootElement.EnumerateArray().Select(p => p.GetProperty("labels").EnumerateArray().Select(l => l.GetProperty("label").GetString()).ToArray()).ToArray();
            Assert.All(sets, set => Assert.Contains("pet", set)); // every photo has it: the easiest label
        }

        var evaluate = CliRunner.Run("evaluate", "--run", run);
        Assert.Equal(2, evaluate.ExitCode);
        Assert.Contains("is a multi-label model; its validation scores are in multilabel-evaluation.json", evaluate.Error);
        Assert.Contains("done: best validation per-label accuracy", output);
        ExportedProbabilitiesMatch(run, photos);
    }

    [Fact]
    [Trait("Category", Categories.RealModel)]
    public void Train_SingleLabelCsv_TrainsLikeClassFolders()
    {
        string root = Directory.CreateTempSubdirectory("tenni-labels-single").FullName;
        string run = Path.Combine(root, "run");

        var (code, output, error) = CliRunner.Run("train", "--labels", PetsCsv(root, extra: ""), "--epochs", "2", "--out", run);
        var predicted = CliRunner.Run("predict", "--run", run, TestData.Photos("Dog", 45)[^1]);

        Assert.True(code == 0, error);
        Assert.Contains("cat (label 0): 40 images of 40 files", output);
        Assert.DoesNotContain("multi-label", output);
        Assert.DoesNotContain("multi_label", File.ReadAllText(Path.Combine(run, "model.json")));
        Assert.True(predicted.ExitCode == 0, predicted.Error);
    }

    [Theory]
    [InlineData("path,labels,extra\n", new string[0], "expected exactly two columns: path,labels")]
    [InlineData("path,labels\nx.jpg,cat;dog\n", new string[0], "add --multi-label for label sets")]
    [InlineData("path,labels\nx.jpg,cat\n", new[] { "--multi-label", "--mixup", "0.4" }, "--multi-label trains with sigmoid + binary cross-entropy")]
    [InlineData("path,labels\nx.jpg,cat\n", new[] { "--threshold", "0.5" }, "--threshold is a multi-label model's decision threshold")]
    [InlineData("path,labels\nx.jpg,cat\n", new[] { "--multi-label", "--threshold", "often" }, "--threshold: 'often' is neither tune nor a number")]
    [InlineData("path,labels\nx.jpg,cat\n", new[] { "--data", "." }, "give exactly one of --data FOLDER")]
    [InlineData("path,labels\nx.jpg,cat\n", new[] { "--data", "{csv}" }, "--data takes a folder with one sub-folder per class")]
    public void Train_BadLabelsOrOptions_OneLineAndExitCode2(string text, string[] extra, string expected)
    {
        string root = Directory.CreateTempSubdirectory("tenni-labels-bad").FullName;
        string csv = Path.Combine(root, "labels.csv");
        File.WriteAllText(csv, text);

        string[] args = extra.Contains("{csv}") ? [.. extra.Select(a => a.Replace("{csv}", csv))] : ["--labels", csv, .. extra];

        var (code, _, error) = CliRunner.Run(["train", "--out", Path.Combine(root, "run"), .. args]);

        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(root, "run")));
    }

    // Paths relative to the CSV, as a user would write them.
    private static string PetsCsv(string root, string extra)
    {
        string csv = Path.Combine(root, "labels.csv");
        var rows = TestData.Photos("Cat", 40).Select(p => $"{Path.GetRelativePath(root, p)},cat{extra}")
            .Concat(TestData.Photos("Dog", 40).Select(p => $"{Path.GetRelativePath(root, p)},dog{extra}"));
        File.WriteAllText(csv, "path,labels\n" + string.Join("\n", rows) + "\n");
        return csv;
    }

    // The export ends in a Sigmoid: ONNX Runtime gives Tenni's per-label probabilities.
    private static void ExportedProbabilitiesMatch(string run, string[] photos)
    {
        using var classifier = TrainedClassifier.Load(run, precision: Precision.Fp32); // the export is float32: `predict --precision fp32`
        string path = Path.Combine(run, "..", "model.onnx");
        OnnxExporter.Export(classifier, path, withPreprocessing: false);
        var fitted = photos.Select(p => classifier.Preprocessing.Fit(ImageDecoder.Decode(p))).ToList();
        using var scope = NewDisposeScope();
        using var batch = classifier.Preprocessing.ToBatch(fitted);
        float[] expected = classifier.Probabilities(batch).contiguous().data<float>().ToArray();
        using var session = new InferenceSession(path);
        var (actual, shape) = OrtReference.Run(session, classifier.Model.Source.Graph.InputName, batch.contiguous().data<float>().ToArray(), [fitted.Count, 3, 224, 224], OnnxExporter.ProbabilitiesOutput);

        Assert.Equal([(long)fitted.Count, 3], shape);
        TensorAssert.AllClose(expected, actual, 1e-4);
        Assert.True(expected.Chunk(3).Any(row => Math.Abs(row.Sum() - 1) > 0.05), "sigmoid outputs need not sum to 1; these look like a softmax");
    }
}
