using Microsoft.ML.OnnxRuntime;
using Tenni.Imaging;
using Tenni.Models;
using Tenni.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class ResNet18ParityTests(ResNet18Fixture fixture, ITestOutputHelper output) : IClassFixture<ResNet18Fixture>
{
    // Tolerance: the 1e-3 on features of magnitude ~0..10; both engines run fp32 with
    // different convolution algorithms, so bit equality is not expected.
    private const double Tolerance = 1e-3;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Pool5_SixteenRealPhotos_MatchesOnnxRuntimeWithin1e3(bool channelsLast)
    {
        // Given 16 real photos, preprocessed once, and ONNX Runtime on the same bundled file
        string[] photos = [.. TestData.Photos("Cat", 8), .. TestData.Photos("Dog", 8)];
        Assert.Equal(16, photos.Length);
        using var owned = channelsLast ? null : SourceModel.Load("resnet18", new SourceModelOptions { ChannelsLast = false });
        var model = owned ?? fixture.Model;
        byte[] onnx = File.ReadAllBytes(model.Descriptor.LocateWeights());
        using var session = new InferenceSession(onnx);
        using var scope = NewDisposeScope();
        using var batch = model.Preprocessing.ToBatch(photos.Select(ImageDecoder.Decode).ToList());

        // When Tenni extracts pool5 for the whole batch
        float[] tenni;
        using (no_grad())
        {
            tenni = model.Features(batch, "pool5").contiguous().data<float>().ToArray();
        }

        // Then each image's 512 features equal ONNX Runtime's for that image alone
        double worst = 0;
        for (int i = 0; i < photos.Length; i++)
        {
            float[] image = batch[i].contiguous().data<float>().ToArray();
            var (expected, shape) = OrtReference.Run(session, model.Graph.InputName, image, [1, 3, 224, 224], model.Graph.OutputNames[0]);
            Assert.Equal([1L, 512, 1, 1], shape);
            worst = Math.Max(worst, TensorAssert.AllClose(expected, tenni[(i * 512)..((i + 1) * 512)], Tolerance));
        }

        output.WriteLine($"pool5 max abs diff vs ONNX Runtime over 16 photos (channels_last={channelsLast}): {worst:G3}");
    }
}
