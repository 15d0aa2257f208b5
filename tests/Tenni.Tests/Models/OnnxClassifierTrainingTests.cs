using Microsoft.ML.OnnxRuntime;
using Tenni.Imaging;
using Tenni.Tests.Cli;
using Tenni.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

/// <summary>
/// Issue 15's training acceptance on real photos (a 24 + 24 subset of PetImages-mini): MobileNetV2 from
/// its ONNX file with its last stage fine-tuned, EfficientNet-B0 head only, both from the CLI with the
/// chapter's recipe; the exported classifier gives ONNX Runtime the probabilities Tenni computes.
/// </summary>
[Collection(TorchCollection.Name)]
[Trait("Category", Categories.RealModel)]
public sealed class OnnxClassifierTrainingTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-onnx-train-").FullName;

    [Theory]
    [InlineData("mobilenet_v2", "stage5")]
    [InlineData("efficientnet_b0", null)]
    public void Train_from_onnx_file_then_export_agrees_with_onnx_runtime(string name, string? trainLayers)
    {
        // Given a few real photos of each class (activations cached in the test's folder, not the user's cache)
        string data = Subset(24);
        string run = Path.Combine(_folder, name);
        string[] args = ["train", "--data", data, "--model", SharedModels.File(name), "--recipe", "chapter", "--epochs", "1", "--batch", "16", "--out", run, "--no-report", "--cache-dir", Path.Combine(_folder, "cache")];

        // When the chapter's recipe trains it from the CLI and the run is exported
        var (code, log, error) = CliRunner.Run(trainLayers is null ? args : [.. args, "--train-layers", trainLayers]);
        Assert.True(code == 0, error + log);
        string onnx = Path.Combine(_folder, name + ".onnx");
        Assert.Equal(0, CliRunner.Run("export", "--run", run, "--onnx", onnx).ExitCode);

        // Then ONNX Runtime on the exported file gives Tenni's probabilities
        using var classifier = TrainedClassifier.Load(run);
        var photos = TestData.Photos("Cat", 2).Concat(TestData.Photos("Dog", 2)).ToArray();
        var fitted = photos.Select(p => classifier.Preprocessing.Fit(ImageDecoder.Decode(p))).ToList();
        using var scope = NewDisposeScope();
        using var batch = classifier.Preprocessing.ToBatch(fitted);
        float[] expected = classifier.Probabilities(batch).contiguous().data<float>().ToArray();
        using var session = new InferenceSession(onnx);
        var (actual, _) = OrtReference.Run(session, classifier.Model.Source.Graph.InputName, batch.contiguous().data<float>().ToArray(), [fitted.Count, 3, 224, 224], OnnxExporter.ProbabilitiesOutput);
        output.WriteLine($"{name}: max |diff| of probabilities vs ONNX Runtime {TensorAssert.AllClose(expected, actual, 1e-4):G3}");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Subset(int perClass)
    {
        string root = Path.Combine(_folder, "data");
        foreach (string cls in new[] { "Cat", "Dog" })
        {
            Directory.CreateDirectory(Path.Combine(root, cls));
            foreach (string photo in TestData.Photos(cls, perClass))
            {
                File.Copy(photo, Path.Combine(root, cls, Path.GetFileName(photo)));
            }
        }

        return root;
    }
}
