using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Tenni.Imaging;
using Tenni.Models;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Imaging;

public sealed class PreprocessingTests
{
    [Fact]
    public void Caffe_OnePixel_IsBgrMinusChainersMean()
    {
        var image = new RgbImage(1, 1, [10, 20, 30]);

        using var t = Preprocessing.Caffe(1).ToTensor(image);

        // vgg.prepare: BGR order, minus [103.939, 116.779, 123.68]
        Assert.Equal([30 - 103.939f, 20 - 116.779f, 10 - 123.68f], t.data<float>().ToArray());
        Assert.Equal([3L, 1, 1], t.shape);
    }

    [Fact]
    public void Torchvision_500x375_ResizesShorterSideTo256AndCentreCrops224()
    {
        // A horizontal gradient: after resize (341×256) and crop (left = round(58.5) = 58), column 0 of
        // the crop is column 58 of the resized image.
        byte[] pixels = new byte[500 * 375 * 3];
        for (int i = 0; i < 500 * 375; i++)
        {
            pixels[i * 3] = (byte)(i % 500 / 2);
        }

        var preprocessing = Preprocessing.Torchvision();
        var image = new RgbImage(500, 375, pixels);
        var resized = ImageResizer.Resize(image, 341, 256, ResizeFilter.Bilinear);

        using var t = preprocessing.ToTensor(image);

        Assert.Equal([3L, 224, 224], t.shape);
        float expected = ((resized.Pixels[((16 * 341) + 58) * 3] / 255f) - 0.485f) / 0.229f;
        Assert.Equal(expected, t[0, 0, 0].item<float>(), 1e-5f);
    }

    [Fact]
    public void Fingerprint_SameValuesInAnotherInstance_IsTheSame()
    {
        Assert.Equal(Preprocessing.Torchvision().Fingerprint(), Preprocessing.Torchvision().Fingerprint());
        Assert.NotEqual(Preprocessing.Torchvision().Fingerprint(), Preprocessing.Caffe2().Fingerprint());
    }

    public static TheoryData<string> Baselines => ["caffe", "everything set"];

    [Theory]
    [MemberData(nameof(Baselines))]
    public void Fingerprint_AnyPropertyChanged_Changes(string baselineName)
    {
        // Given a preprocessing with optional fields unset (caffe) or all set
        var baseline = baselineName == "caffe"
            ? Preprocessing.Caffe(4)
            : Preprocessing.Torchvision(8, 4) with { MeanImage = new float[3 * 4 * 4] };
        var settable = typeof(Preprocessing).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        Assert.Contains(settable, p => p.Name == nameof(Preprocessing.MeanImage));

        foreach (var property in settable)
        {
            // When one property changes (a property added to the record without a rule here fails this test)
            var changed = baseline with { };
            property.SetValue(changed, Changed(property, property.GetValue(baseline)));

            // Then the fingerprint changes with it
            Assert.True(baseline.Fingerprint() != changed.Fingerprint(), $"changing {property.Name} left Fingerprint() unchanged: Preprocessing.Fingerprint must include it");
        }
    }

    [Fact]
    [Trait("Category", Categories.RealModel)]
    public void ResNet18MeanImage_MatchesThePackagesOwnPreprocessingGraphInOnnxRuntime()
    {
        // Given a real photo resized to 224×224 and the package's ResNetPreprocess.onnx (RGB 0..255 in)
        var preprocessing = KnownModels.ResNet18Preprocessing();
        var fitted = preprocessing.Fit(ImageDecoder.Decode(TestData.Photos("Dog", 1)[0]));
        float[] rgbPlanes = RgbImage.Planar([fitted]);

        string graph = Path.Combine(Path.GetDirectoryName(KnownModels.ResNet18.LocateWeights())!, "..", "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        using var session = new InferenceSession(graph);
        var (expected, _) = OrtReference.Run(session, "OriginalInput", rgbPlanes, [1, 3, 224, 224], "PreprocessedInput");

        // When Tenni normalizes the same pixels
        float[] actual = new float[preprocessing.Length];
        preprocessing.Normalize(fitted, actual);

        // Then they agree to float rounding (one subtraction each)
        TensorAssert.AllClose(expected, actual, 1e-5);
    }

    private static object? Changed(PropertyInfo property, object? value) => value switch
    {
        int i => i + 1,
        float f => f + 1f,
        bool b => !b,
        string s => s + "-other",
        ResizeFilter filter => Enum.GetValues<ResizeFilter>().First(f => f != filter),
        float[] array => array.Select((v, i) => i == 0 ? v + 1f : v).ToArray(),
        null when property.PropertyType == typeof(int?) => 1,
        null when property.PropertyType == typeof(float[]) => new float[] { 1f, 1f, 1f },
        _ => throw new InvalidOperationException($"no change known for {property.Name} ({property.PropertyType.Name}): add one here and the property to Preprocessing.Fingerprint"),
    };
}
