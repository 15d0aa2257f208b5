using Microsoft.ML.OnnxRuntime;
using Tenni.Imaging;
using Tenni.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tenni.Tests.Inference;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class OnnxExportTests(TrainedRunFixture run, ITestOutputHelper output) : IClassFixture<TrainedRunFixture>
{
    // The 1e-4 on probabilities: the two engines differ by ~1e-5 on pool5 (parity test),
    // which a two-class softmax over a small head does not amplify.
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Export_RealImages_OnnxRuntimeGivesTenniProbabilities(bool withPreprocessing)
    {
        using var classifier = TrainedClassifier.Load(run.Folder, precision: Precision.Fp32); // the export is float32: `predict --precision fp32`
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-export").FullName, "model.onnx");
        OnnxExporter.Export(classifier, path, withPreprocessing);

        var fitted = run.Photos.Select(p => classifier.Preprocessing.Fit(ImageDecoder.Decode(p))).ToList();
        using var scope = NewDisposeScope();
        using var batch = classifier.Preprocessing.ToBatch(fitted);
        float[] expected = classifier.Probabilities(batch).contiguous().data<float>().ToArray();

        float[] input = withPreprocessing ? RgbImage.Planar(fitted) : batch.contiguous().data<float>().ToArray();
        string inputName = withPreprocessing ? OnnxExporter.ImageInput : classifier.Model.Source.Graph.InputName;
        using var session = new InferenceSession(path);
        var (actual, shape) = OrtReference.Run(session, inputName, input, [fitted.Count, 3, 224, 224], OnnxExporter.ProbabilitiesOutput);

        Assert.Equal([(long)fitted.Count, 2], shape);
        double worst = TensorAssert.AllClose(expected, actual, Tolerance);
        output.WriteLine($"with preprocessing={withPreprocessing}: max abs diff of probabilities vs ONNX Runtime {worst:G3}");

        // The model as trained (bfloat16 frozen layers on a CPU that has them) differs from the float32
        // export by bfloat16's rounding only.
        using var asTrained = TrainedClassifier.Load(run.Folder);
        float[] trained = asTrained.Probabilities(batch).contiguous().data<float>().ToArray();
        double bf16 = TensorAssert.AllClose(actual, trained, 2e-2);
        output.WriteLine($"as trained ({asTrained.Model.Source.Precision}): max abs diff of probabilities vs ONNX Runtime {bf16:G3}");
    }

    [Fact]
    public void Export_WithPreprocessing_TennisOwnGraphExecutorRunsItToo()
    {
        // The exported file is plain ONNX: Tenni's executor (Gather included) loads it like any source model.
        using var classifier = TrainedClassifier.Load(run.Folder, precision: Precision.Fp32); // the export is float32: `predict --precision fp32`
        string path = Path.Combine(Directory.CreateTempSubdirectory("tenni-export").FullName, "model.onnx");
        OnnxExporter.Export(classifier, path, withPreprocessing: true);
        var fitted = run.Photos.Select(p => classifier.Preprocessing.Fit(ImageDecoder.Decode(p))).ToList();
        using var scope = NewDisposeScope();
        float[] expected = classifier.Probabilities(classifier.Preprocessing.ToBatch(fitted)).contiguous().data<float>().ToArray();

        using var graph = global::Tenni.Onnx.OnnxGraph.Load(path);
        graph.eval();
        using var noGrad = no_grad();
        float[] actual = graph.Run(tensor(RgbImage.Planar(fitted), [fitted.Count, 3L, 224, 224]), [OnnxExporter.ProbabilitiesOutput])[OnnxExporter.ProbabilitiesOutput].contiguous().data<float>().ToArray();

        TensorAssert.AllClose(expected, actual, 1e-5);
    }
}
