using Google.Protobuf;
using Onnx;
using Tenni.Tests.Onnx;
using Tenni.Tests.Support;
using Xunit.Abstractions;
using static Tenni.Tests.Support.OnnxGraphBuilder;
using static TorchSharp.torch;

namespace Tenni.Tests.Models;

/// <summary>
/// Families beyond the four files in ../shared/models, written the way torch.onnx.export writes them
/// (reduced widths, random weights): each loads from its path with no family-specific code, its stages,
/// pool and logits are discovered, and every named layer matches ONNX Runtime within 1e-4 of its largest magnitude.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class OnnxArchitectureTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-onnx-arch-").FullName;

    public static TheoryData<string> Families() => new(["mobilenet_v3", "densenet", "inception_v3", "convnext", "regnet", "vgg", "vit"]);

    [Theory]
    [MemberData(nameof(Families))]
    public void Classifier_family_from_its_path_has_stages_matching_onnx_runtime(string family)
    {
        // Given a classifier of the family as the exporter writes it
        var (model, size, stages) = Write(family);
        string path = Path.Combine(_folder, family + ".onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        // When Tenni loads it by path
        using var source = SourceModel.Load(path, new SourceModelOptions { Preprocessing = family == "inception_v3" ? WeightFamily.Inception : null });
        output.WriteLine($"{family}: {string.Join(", ", source.DescribeLayers().Select(l => $"{l.Name} ({string.Join("×", l.OutputShape)})"))}");

        // Then its stages, pool and logits are found and match ONNX Runtime
        Assert.Equal(size, source.Preprocessing.Size);
        Assert.Equal([.. Enumerable.Range(1, stages).Select(i => $"stage{i}"), "pool", "logits"], source.AvailableLayers);
        float[] input = OperatorCases.Random(2 * 3 * size * size, 5);
        using var scope = NewDisposeScope();
        var actual = source.Forward(tensor(input, [2L, 3, size, size]), source.AvailableLayers);
        var tensors = source.AvailableLayers.Select(l => source.Resolve(l).Tensor).ToArray();
        var expected = OrtOutputs.Run(model, input, [2, 3, size, size], tensors);
        foreach (string layer in source.AvailableLayers)
        {
            TensorAssert.WithinScale(expected[source.Resolve(layer).Tensor], actual[layer].contiguous().data<float>().ToArray(), 1e-4, $"{family} {layer}");
        }
    }

    [Fact]
    public void Stages_partition_the_layers_and_unfreeze_alone()
    {
        // Given a DenseNet (BatchNorm kept) loaded by path
        var (model, _, _) = DenseNet();
        string path = Path.Combine(_folder, "densenet.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        using var source = SourceModel.Load(path);

        // When its last stage is unfrozen
        source.SetTrainable(true, "stage3");

        // Then the stages and the head own disjoint layers covering the graph, and only stage3's train
        var owned = source.AvailableLayers.SelectMany(source.LayersOf).ToArray();
        Assert.Equal(owned.Length, owned.Distinct().Count());
        Assert.Equal(source.Graph.Layers.Count, owned.Length);
        Assert.Equal(source.LayersOf("stage3"), source.Graph.Layers.Where(l => l.IsTrainable));
        Assert.Contains(source.LayersOf("stage3"), l => l.HoldsBatchStatistics);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (ModelProto Model, int Size, int Stages) Write(string family) => family switch
    {
        "mobilenet_v3" => MobileNetV3(),
        "densenet" => DenseNet(),
        "inception_v3" => InceptionV3(),
        "convnext" => ConvNeXt(),
        "vgg" => Vgg(),
        "vit" => VisionTransformer(),
        _ => RegNet(),
    };

    // Stem conv/2 + HardSwish, an inverted residual with squeeze-and-excitation (HardSigmoid) at /4, one at /8.
    private static (ModelProto, int, int) MobileNetV3()
    {
        var n = new NetWriter(14, 64);
        string x = n.Op("HardSwish", n.Conv(n.Input, 3, 8, 3, 2));
        x = SqueezeBlock(n, x, 8, 16, 2);
        x = n.Op("Add", [x, SqueezeBlock(n, x, 16, 16, 1)]);
        x = SqueezeBlock(n, x, 16, 24, 2);
        x = n.Op("HardSwish", n.Conv(x, 24, 48, 1));
        x = n.Op("Flatten", n.Op("GlobalAveragePool", x), Int("axis", 1));
        return (n.Build(n.Linear(n.Op("HardSwish", n.Linear(x, 48, 32)), 32, 10)), 64, 3);
    }

    private static string SqueezeBlock(NetWriter n, string x, int cin, int cout, int stride)
    {
        string h = n.Op("HardSwish", n.Conv(x, cin, cin * 3, 1));
        h = n.Op("HardSwish", n.Conv(h, cin * 3, cin * 3, 3, stride, group: cin * 3));
        string s = n.Op("HardSigmoid", n.Conv(n.Op("Relu", n.Conv(n.Op("GlobalAveragePool", h), cin * 3, 8, 1)), 8, cin * 3, 1), Float("alpha", 1f / 6), Float("beta", 0.5f));
        return n.Conv(n.Op("Mul", [h, s]), cin * 3, cout, 1);
    }

    // Dense blocks (BN-ReLU-conv1x1-BN-ReLU-conv3x3, concatenated), transitions with average pooling.
    private static (ModelProto, int, int) DenseNet()
    {
        var n = new NetWriter(13, 64);
        string x = n.Op("MaxPool", n.Op("Relu", n.BatchNorm(n.Conv(n.Input, 3, 16, 7, 2), 16)), Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
        int c = 16;
        for (int block = 0; block < 2; block++)
        {
            for (int layer = 0; layer < 2; layer++)
            {
                string h = n.Conv(n.Op("Relu", n.BatchNorm(x, c)), c, 16, 1);
                h = n.Conv(n.Op("Relu", n.BatchNorm(h, 16)), 16, 8, 3);
                x = n.Op("Concat", [x, h], Int("axis", 1));
                c += 8;
            }

            if (block == 0)
            {
                x = n.Op("AveragePool", n.Conv(n.Op("Relu", n.BatchNorm(x, c)), c, c / 2, 1), Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
                c /= 2;
            }
        }

        x = n.Op("Flatten", n.Op("GlobalAveragePool", n.Op("Relu", n.BatchNorm(x, c))), Int("axis", 1));
        return (n.Build(n.Linear(x, c, 10)), 64, 3);
    }

    // 299×299 input; unpadded stride-2 stem, an Inception-A module (with the average-pool branch and 1×7/7×1 convolutions), a reduction module.
    private static (ModelProto, int, int) InceptionV3()
    {
        var n = new NetWriter(13, 299);
        string x = n.Op("Relu", n.Op("Conv", [n.Input, n.Weight(OperatorCases.Random(8 * 3 * 9, 7).Select(v => v / 5).ToArray(), 8, 3, 3, 3)], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2)));
        x = n.Op("MaxPool", x, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2));
        string b1 = n.Op("Relu", n.Conv(x, 8, 8, 1));
        string b2 = n.Op("Relu", n.Conv(n.Op("Relu", n.Conv(n.Op("Relu", n.Conv(x, 8, 6, 1)), 6, 6, 1, kw: 7)), 6, 8, 7, kw: 1));
        string b3 = n.Op("Relu", n.Conv(n.Op("AveragePool", x, Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 1, 1)), 8, 8, 1));
        x = n.Op("Concat", [b1, b2, b3], Int("axis", 1));
        string r1 = n.Op("Relu", n.Op("Conv", [x, n.Weight(OperatorCases.Random(8 * 24 * 9, 8).Select(v => v / 15).ToArray(), 8, 24, 3, 3)], Ints("kernel_shape", 3, 3), Ints("strides", 2, 2)));
        string r2 = n.Op("MaxPool", x, Ints("kernel_shape", 3, 3), Ints("strides", 2, 2));
        x = n.Op("Concat", [r1, r2], Int("axis", 1));
        x = n.Op("Flatten", n.Op("GlobalAveragePool", x), Int("axis", 1));
        return (n.Build(n.Linear(x, 32, 10)), 299, 3);
    }

    // Patchify stem (4×4/4) + LayerNorm, blocks of depthwise 7×7 → channels-last LayerNorm → Linear → GELU (Erf) → Linear → layer scale, downsampling LN + 2×2/2.
    private static (ModelProto, int, int) ConvNeXt()
    {
        var n = new NetWriter(17, 64);
        string x = ChannelsFirstNorm(n, n.Op("Conv", [n.Input, n.Weight(OperatorCases.Random(16 * 3 * 16, 9).Select(v => v / 7).ToArray(), 16, 3, 4, 4)], Ints("kernel_shape", 4, 4), Ints("strides", 4, 4)), 16);
        x = n.Op("Add", [x, ConvNeXtBlock(n, x, 16)]);
        x = n.Op("Conv", [ChannelsFirstNorm(n, x, 16), n.Weight(OperatorCases.Random(32 * 16 * 4, 10).Select(v => v / 8).ToArray(), 32, 16, 2, 2)], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
        x = n.Op("Add", [x, ConvNeXtBlock(n, x, 32)]);
        x = n.Op("Flatten", ChannelsFirstNorm(n, n.Op("GlobalAveragePool", x), 32), Int("axis", 1));
        return (n.Build(n.Linear(x, 32, 10)), 64, 2);
    }

    private static string ConvNeXtBlock(NetWriter n, string x, int c)
    {
        string h = n.Op("Transpose", n.Conv(x, c, c, 7, group: c), Ints("perm", 0, 2, 3, 1));
        h = n.Op("LayerNormalization", [h, n.Weight(OperatorCases.Random(c, 11).Select(v => 1 + (v * 0.1f)).ToArray(), c), n.Weight(OperatorCases.Random(c, 12), c)], Float("epsilon", 1e-6f));
        h = n.Op("Add", [n.Op("MatMul", [h, n.Weight(OperatorCases.Random(c * 4 * c, 13).Select(v => v / MathF.Sqrt(c)).ToArray(), c, 4 * c)]), n.Weight(OperatorCases.Random(4 * c, 14), 4 * c)]);
        string erf = n.Op("Erf", n.Op("Div", [h, n.Weight([1.4142135f])]));
        h = n.Op("Mul", [n.Op("Mul", [h, n.Op("Add", [erf, n.Weight([1f])])]), n.Weight([0.5f])]);
        h = n.Op("Add", [n.Op("MatMul", [h, n.Weight(OperatorCases.Random(4 * c * c, 15).Select(v => v / MathF.Sqrt(4 * c)).ToArray(), 4 * c, c)]), n.Weight(OperatorCases.Random(c, 16), c)]);
        h = n.Op("Mul", [h, n.Weight(OperatorCases.Random(c, 17), c)]);
        return n.Op("Transpose", h, Ints("perm", 0, 3, 1, 2));
    }

    private static string ChannelsFirstNorm(NetWriter n, string x, int c)
    {
        string t = n.Op("Transpose", x, Ints("perm", 0, 2, 3, 1));
        t = n.Op("LayerNormalization", [t, n.Weight(OperatorCases.Random(c, 18).Select(v => 1 + (v * 0.1f)).ToArray(), c), n.Weight(OperatorCases.Random(c, 19), c)], Float("epsilon", 1e-6f));
        return n.Op("Transpose", t, Ints("perm", 0, 3, 1, 2));
    }

    // No global pooling: the classifier reads the flattened last map (VGG, AlexNet); pool is that flat tensor.
    private static (ModelProto, int, int) Vgg()
    {
        var n = new NetWriter(13, 32);
        string x = n.Input;
        int c = 3;
        foreach (int width in new[] { 8, 16, 16 })
        {
            x = n.Op("MaxPool", n.Op("Relu", n.Conv(n.Op("Relu", n.Conv(x, c, width, 3)), width, width, 3)), Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
            c = width;
        }

        x = n.Op("Flatten", x, Int("axis", 1));
        return (n.Build(n.Linear(n.Op("Relu", n.Linear(x, 16 * 4 * 4, 24)), 24, 10)), 32, 4);
    }

    // A vision transformer: 8×8 patches, class token (Shape → Expand), position embedding, one pre-norm
    // block (attention by MatMul and Softmax, GELU as Erf), the class token's output (Gather) to the head.
    // One spatial map (the patch embedding), then tokens: stage1, and pool = the class token, the first flat cut.
    private static (ModelProto, int, int) VisionTransformer()
    {
        const int d = 16, tokens = 17;
        var n = new NetWriter(17, 32);
        string x = n.Op("Conv", [n.Input, n.Weight(OperatorCases.Random(d * 3 * 64, 40).Select(v => v / 14).ToArray(), d, 3, 8, 8), n.Weight(OperatorCases.Random(d, 41), d)], Ints("kernel_shape", 8, 8), Ints("strides", 8, 8));
        x = n.Op("Transpose", n.Op("Reshape", [x, n.Longs(0, d, -1)]), Ints("perm", 0, 2, 1));
        string batch = n.Op("Unsqueeze", [n.Op("Gather", [n.Op("Shape", x), n.Scalar(0)], Int("axis", 0)), n.Longs(0)]);
        string cls = n.Op("Expand", [n.Weight(OperatorCases.Random(d, 42), 1, 1, d), n.Op("Concat", [batch, n.Longs(1), n.Longs(d)], Int("axis", 0))]);
        x = n.Op("Add", [n.Op("Concat", [cls, x], Int("axis", 1)), n.Weight(OperatorCases.Random(tokens * d, 43).Select(v => v * 0.1f).ToArray(), 1, tokens, d)]);
        x = n.Op("Add", [x, Attention(n, Norm(n, x, d, 44), d, tokens)]);
        x = n.Op("Add", [x, Mlp(n, Norm(n, x, d, 45), d)]);
        x = n.Op("Gather", [Norm(n, x, d, 46), n.Scalar(0)], Int("axis", 1));
        return (n.Build(n.Linear(x, d, 10)), 32, 1);
    }

    private static string Norm(NetWriter n, string x, int d, int seed) => n.Op("LayerNormalization",
        [x, n.Weight(OperatorCases.Random(d, seed).Select(v => 1 + (v * 0.1f)).ToArray(), d), n.Weight(OperatorCases.Random(d, seed + 100), d)], Float("epsilon", 1e-6f));

    private static string Dense(NetWriter n, string x, int cin, int cout, int seed) => n.Op("Add",
        [n.Op("MatMul", [x, n.Weight(OperatorCases.Random(cin * cout, seed).Select(v => v / MathF.Sqrt(cin)).ToArray(), cin, cout)]), n.Weight(OperatorCases.Random(cout, seed + 100).Select(v => v * 0.1f).ToArray(), cout)]);

    private static string Attention(NetWriter n, string x, int d, int tokens)
    {
        string qkv = n.Op("Transpose", n.Op("Reshape", [Dense(n, x, d, 3 * d, 47), n.Longs(0, tokens, 3, 2, d / 2)]), Ints("perm", 2, 0, 3, 1, 4));
        string Part(long i) => n.Op("Gather", [qkv, n.Scalar(i)], Int("axis", 0));
        string q = Part(0), k = Part(1), v = Part(2);
        string scores = n.Op("Softmax", n.Op("Mul", [n.Op("MatMul", [q, n.Op("Transpose", k, Ints("perm", 0, 1, 3, 2))]), n.Weight([1 / MathF.Sqrt(d / 2)])]), Int("axis", -1));
        string o = n.Op("Reshape", [n.Op("Transpose", n.Op("MatMul", [scores, v]), Ints("perm", 0, 2, 1, 3)), n.Longs(0, tokens, d)]);
        return Dense(n, o, d, d, 48);
    }

    private static string Mlp(NetWriter n, string x, int d)
    {
        string h = Dense(n, x, d, 2 * d, 49);
        string gelu = n.Op("Mul", [n.Op("Mul", [h, n.Op("Add", [n.Op("Erf", n.Op("Div", [h, n.Weight([1.4142135f])])), n.Weight([1f])])]), n.Weight([0.5f])]);
        return Dense(n, gelu, 2 * d, d, 50);
    }

    // RegNetY: residual bottlenecks with grouped 3×3 convolutions and squeeze-and-excitation (Sigmoid), a strided shortcut projection.
    private static (ModelProto, int, int) RegNet()
    {
        var n = new NetWriter(13, 64);
        string x = n.Op("Relu", n.BatchNorm(n.Conv(n.Input, 3, 16, 3, 2), 16));
        x = RegNetBlock(n, x, 16, 24, 2);
        x = RegNetBlock(n, x, 24, 24, 1);
        x = RegNetBlock(n, x, 24, 48, 2);
        x = n.Op("Flatten", n.Op("GlobalAveragePool", x), Int("axis", 1));
        return (n.Build(n.Linear(x, 48, 10)), 64, 3);
    }

    private static string RegNetBlock(NetWriter n, string x, int cin, int cout, int stride)
    {
        string h = n.Op("Relu", n.Conv(x, cin, cout, 1));
        h = n.Op("Relu", n.Conv(h, cout, cout, 3, stride, group: cout / 8));
        string s = n.Op("Sigmoid", n.Conv(n.Op("Relu", n.Conv(n.Op("GlobalAveragePool", h), cout, 4, 1)), 4, cout, 1));
        h = n.Conv(n.Op("Mul", [h, s]), cout, cout, 1);
        string shortcut = stride == 1 && cin == cout ? x : n.Op("Conv", [x, n.Weight(OperatorCases.Random(cout * cin, 20).Select(v => v / MathF.Sqrt(cin)).ToArray(), cout, cin, 1, 1)], Ints("strides", stride, stride));
        return n.Op("Relu", n.Op("Add", [h, shortcut]));
    }
}
