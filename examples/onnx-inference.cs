#:property ManagePackageVersionsCentrally=false
#:property PublishAot=false
#:package Microsoft.ML@5.0.1
#:package Microsoft.ML.OnnxTransformer@5.0.1
#:package Microsoft.ML.OnnxRuntime@1.31.1
#:package SkiaSharp@3.119.0
#:package SkiaSharp.NativeAssets.Linux.NoDependencies@3.119.0
// Consumes a model exported by `tenni export --with-preprocessing` without Tenni: once with plain ONNX
// Runtime, once through ML.NET's ONNX transformer. The caller only decodes and resizes to 224×224.
//   dotnet run -c Release --project src/Tenni.Cli -- train --data samples/pets --out runs/pets
//   dotnet run -c Release --project src/Tenni.Cli -- export --run runs/pets --onnx runs/pets.onnx --with-preprocessing
//   dotnet run examples/onnx-inference.cs runs/pets.onnx samples/pets/cat/4001.jpg
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

string modelPath = args.Length > 0 ? args[0] : "runs/pets.onnx";
string imagePath = args.Length > 1 ? args[1] : "samples/pets/cat/4001.jpg";
const int Size = 224;

// RGB 0..255, planar [1, 3, 224, 224]: what the exported graph takes (BGR order and mean are inside it).
float[] pixels = new float[3 * Size * Size];
using (var decoded = SKBitmap.Decode(imagePath))
using (var resized = decoded.Resize(new SKImageInfo(Size, Size), new SKSamplingOptions(SKCubicResampler.Mitchell)))
{
    for (int y = 0; y < Size; y++)
    {
        for (int x = 0; x < Size; x++)
        {
            SKColor c = resized.GetPixel(x, y);
            pixels[(0 * Size * Size) + (y * Size) + x] = c.Red;
            pixels[(1 * Size * Size) + (y * Size) + x] = c.Green;
            pixels[(2 * Size * Size) + (y * Size) + x] = c.Blue;
        }
    }
}

// 1. Plain ONNX Runtime.
using var session = new InferenceSession(modelPath);
string[] classes = session.ModelMetadata.CustomMetadataMap["classes"].Split('\n');
var input = new DenseTensor<float>(pixels, [1, 3, Size, Size]);
using (var results = session.Run([NamedOnnxValue.CreateFromTensor("image", input)], ["probabilities"]))
{
    float[] p = results.First().AsTensor<float>().ToArray();
    Console.WriteLine("ONNX Runtime: " + string.Join(", ", classes.Select((name, i) => $"{name} {p[i]:0.000}")));
}

// 2. ML.NET: the same file as a transformer in a pipeline.
var ml = new MLContext();
var data = ml.Data.LoadFromEnumerable([new ImageInput { Image = pixels }]);
var pipeline = ml.Transforms.ApplyOnnxModel(["probabilities"], ["image"], modelPath);
var scored = pipeline.Fit(data).Transform(data);
float[] probabilities = scored.GetColumn<float[]>("probabilities").First();
Console.WriteLine("ML.NET:       " + string.Join(", ", classes.Select((name, i) => $"{name} {probabilities[i]:0.000}")));

internal sealed class ImageInput
{
    [VectorType(1, 3, Size, Size)]
    [ColumnName("image")]
    public float[] Image { get; set; } = [];

    private const int Size = 224;
}
