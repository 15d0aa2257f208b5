using Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// ResNet50/101/152 (bottleneck blocks). Two variants with the same parameter shapes:
/// <list type="bullet">
/// <item>Caffe (Kaiming He's models, Chainer's <c>ResNet*Layers</c>): conv1 has a bias, BatchNorm ε = 2e-5
/// (Chainer's default), pool1 is 3×3/2 without padding rounding up (cover_all), and a stage's first block
/// strides in its first 1×1 convolution.</item>
/// <item>torchvision (v1.5): conv1 without bias, ε = 1e-5, pool1 3×3/2 with padding 1, the stride in the 3×3 convolution.</item>
/// </list>
/// </summary>
internal static class ResNetBottleneck
{
    public static readonly IReadOnlyDictionary<int, int[]> Depths = new Dictionary<int, int[]>
    {
        [50] = [3, 4, 6, 3],
        [101] = [3, 4, 23, 3],
        [152] = [3, 8, 36, 3],
    };

    public static ModelProto Build(int depth, WeightBinder weights, WeightFamily family, int divisor = 1)
    {
        bool caffe = family == WeightFamily.Caffe;
        float epsilon = caffe ? 2e-5f : 1e-5f;
        var g = new GraphWriter($"resnet{depth}", weights);
        long stem = 64 / divisor;
        string x = g.Conv(g.Input, "conv1", FamilyKeys.Weight(family, "conv1", "conv1"), caffe ? "conv1/b" : null, stem, 3, 7, 2, 3);
        x = g.BatchNorm(x, "bn1", FamilyKeys.BatchNorm(family, "bn1", "bn1"), stem, epsilon);
        x = g.Relu(x, "conv1_relu");
        x = caffe ? g.MaxPool(x, "pool1", 3, 2, 0, ceil: true) : g.MaxPool(x, "pool1", 3, 2, 1);

        long channels = stem;
        int[] blocks = Depths[depth];
        for (int s = 0; s < 4; s++)
        {
            long mid = (64 << s) / divisor;
            long output = mid * 4;
            for (int j = 0; j < blocks[s]; j++)
            {
                int stride = j == 0 && s > 0 ? 2 : 1;
                string chainer = $"res{s + 2}/{(j == 0 ? "a" : $"b{j}")}";
                string torch = $"layer{s + 1}.{j}";
                x = Block(g, x, family, chainer, torch, channels, mid, output, stride, projection: j == 0, epsilon);
                channels = output;
            }
        }

        x = g.GlobalAveragePool(x, "pool5");
        x = g.Flatten(x, "pool5_flat");
        x = g.Linear(x, "fc6", FamilyKeys.Weight(family, "fc6", "fc"), FamilyKeys.Bias(family, "fc6", "fc"), 1000, channels);
        return g.Build(g.Softmax(x, "prob"), $"ResNet{depth}, {family} weights");
    }

    private static string Block(GraphWriter g, string x, WeightFamily family, string chainer, string torch, long input, long mid, long output, int stride, bool projection, float epsilon)
    {
        bool caffe = family == WeightFamily.Caffe;
        string node = chainer.Replace('/', '_');
        string Conv(string h, int i, long outC, long inC, long kernel, long s, long pad) =>
            g.Conv(h, $"{node}_conv{i}", FamilyKeys.Weight(family, $"{chainer}/conv{i}", $"{torch}.conv{i}"), null, outC, inC, kernel, s, pad);
        string Bn(string h, int i, long c) =>
            g.BatchNorm(h, $"{node}_bn{i}", FamilyKeys.BatchNorm(family, $"{chainer}/bn{i}", $"{torch}.bn{i}"), c, epsilon);

        string h = g.Relu(Bn(Conv(x, 1, mid, input, 1, caffe ? stride : 1, 0), 1, mid), $"{node}_relu1");
        h = g.Relu(Bn(Conv(h, 2, mid, mid, 3, caffe ? 1 : stride, 1), 2, mid), $"{node}_relu2");
        h = Bn(Conv(h, 3, output, mid, 1, 1, 0), 3, output);
        string shortcut = x;
        if (projection)
        {
            shortcut = g.Conv(x, $"{node}_conv4", FamilyKeys.Weight(family, $"{chainer}/conv4", $"{torch}.downsample.0"), null, output, input, 1, stride, 0);
            shortcut = g.BatchNorm(shortcut, $"{node}_bn4", FamilyKeys.BatchNorm(family, $"{chainer}/bn4", $"{torch}.downsample.1"), output, epsilon);
        }

        return g.Relu(g.Add(h, shortcut, $"{node}_add"), $"{node}_relu");
    }
}
