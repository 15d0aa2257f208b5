using Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// GoogLeNet (Inception v1). Two variants:
/// <list type="bullet">
/// <item>Caffe (BVLC's model, Chainer's <c>GoogLeNet</c>): convolutions with bias, LRN after pool1 and conv2,
/// max poolings 3×3/2 rounding up, 5×5 branch, ReLU after the concatenation, 7×7 average pooling,
/// dropout 0.4, <c>loss3_fc</c>.</item>
/// <item>torchvision: every convolution is conv (no bias) → BatchNorm (ε = 0.001) → ReLU, no LRN, the
/// "5×5" branch is 3×3 (torchvision's known quirk, kept by its weights), pool4 is 2×2/2, dropout 0.2, <c>fc</c>.
/// Its <c>transform_input</c> is folded into the preprocessing (mean 0.5, std 0.5).</item>
/// </list>
/// </summary>
internal static class GoogLeNet
{
    // Chainer's name, torchvision's name, and (out 1×1, reduce 3×3, out 3×3, reduce 5×5, out 5×5, pool projection).
    private static readonly (string Chainer, string Torch, int[] Widths)[] Modules =
    [
        ("inc3a", "inception3a", [64, 96, 128, 16, 32, 32]),
        ("inc3b", "inception3b", [128, 128, 192, 32, 96, 64]),
        ("inc4a", "inception4a", [192, 96, 208, 16, 48, 64]),
        ("inc4b", "inception4b", [160, 112, 224, 24, 64, 64]),
        ("inc4c", "inception4c", [128, 128, 256, 24, 64, 64]),
        ("inc4d", "inception4d", [112, 144, 288, 32, 64, 64]),
        ("inc4e", "inception4e", [256, 160, 320, 32, 128, 128]),
        ("inc5a", "inception5a", [256, 160, 320, 32, 128, 128]),
        ("inc5b", "inception5b", [384, 192, 384, 48, 128, 128]),
    ];

    public static ModelProto Build(WeightBinder weights, WeightFamily family, int divisor = 1)
    {
        bool caffe = family == WeightFamily.Caffe;
        var g = new GraphWriter("googlenet", weights);
        var unit = new ConvUnit(g, family);
        long c64 = 64 / divisor, c192 = 192 / divisor;
        string x = unit.Apply(g.Input, "conv1", "conv1", c64, 3, 7, 2, 3);
        x = g.MaxPool(x, "pool1", 3, 2, ceil: true);
        if (caffe)
        {
            x = Lrn(g, x, "pool1_norm");
        }

        x = unit.Apply(x, "conv2_reduce", "conv2", c64, c64, 1, 1, 0);
        x = unit.Apply(x, "conv2", "conv3", c192, c64, 3, 1, 1);
        if (caffe)
        {
            x = Lrn(g, x, "conv2_norm");
        }

        x = g.MaxPool(x, "pool2", 3, 2, ceil: true);
        long channels = c192;
        for (int m = 0; m < Modules.Length; m++)
        {
            if (m is 2 or 7)
            {
                x = caffe || m == 2 ? g.MaxPool(x, $"pool{(m == 2 ? 3 : 4)}", 3, 2, ceil: true) : g.MaxPool(x, "pool4", 2, 2, ceil: true);
            }

            int[] w = Modules[m].Widths.Select(v => v / divisor).ToArray();
            x = Inception(g, unit, x, Modules[m].Chainer, Modules[m].Torch, channels, w);
            channels = w[0] + w[2] + w[4] + w[5];
        }

        x = caffe ? g.AveragePool(x, "pool5", 7, 1) : g.GlobalAveragePool(x, "pool5");
        x = g.Dropout(g.Flatten(x, "pool5_flat"), "pool5_drop", caffe ? 0.4f : 0.2f);
        x = g.Linear(x, "loss3_fc", FamilyKeys.Weight(family, "loss3_fc", "fc"), FamilyKeys.Bias(family, "loss3_fc", "fc"), 1000, channels);
        return g.Build(g.Softmax(x, "prob"), $"GoogLeNet, {family} weights");
    }

    private static string Inception(GraphWriter g, ConvUnit unit, string x, string chainer, string torch, long input, int[] w)
    {
        bool caffe = unit.Family == WeightFamily.Caffe;
        string branch1 = caffe
            ? unit.Apply(x, $"{chainer}/conv1", $"{torch}.branch1", w[0], input, 1, 1, 0, relu: false)
            : unit.Apply(x, $"{chainer}/conv1", $"{torch}.branch1", w[0], input, 1, 1, 0);
        string reduce3 = unit.Apply(x, $"{chainer}/proj3", $"{torch}.branch2.0", w[1], input, 1, 1, 0);
        string branch2 = unit.Apply(reduce3, $"{chainer}/conv3", $"{torch}.branch2.1", w[2], w[1], 3, 1, 1, relu: !caffe);
        string reduce5 = unit.Apply(x, $"{chainer}/proj5", $"{torch}.branch3.0", w[3], input, 1, 1, 0);
        string branch3 = caffe
            ? unit.Apply(reduce5, $"{chainer}/conv5", "", w[4], w[3], 5, 1, 2, relu: false)
            : unit.Apply(reduce5, "", $"{torch}.branch3.1", w[4], w[3], 3, 1, 1);
        string pooled = g.MaxPool(x, $"{chainer.Replace('/', '_')}_pool", 3, 1, 1, ceil: true);
        string branch4 = unit.Apply(pooled, $"{chainer}/projp", $"{torch}.branch4.1", w[5], input, 1, 1, 0, relu: !caffe);
        string joined = g.Concat([branch1, branch2, branch3, branch4], $"{chainer}_concat");

        // Chainer applies one ReLU to the concatenation; torchvision's branches end in their own.
        return caffe ? g.Relu(joined, $"{chainer}_relu") : joined;
    }

    private static string Lrn(GraphWriter g, string x, string name) => g.Lrn(x, name, 5, 1e-4f, 0.75f, 1f);

    /// <summary>One convolution unit: Caffe's conv (+ bias) → ReLU, or torchvision's BasicConv2d (conv → BN → ReLU).</summary>
    private sealed class ConvUnit(GraphWriter g, WeightFamily family)
    {
        public WeightFamily Family => family;

        public string Apply(string x, string chainer, string torch, long outputs, long inputs, long kernel, long stride, long pad, bool relu = true)
        {
            string node = (family == WeightFamily.Caffe ? chainer : torch).Replace('/', '_').Replace('.', '_');
            if (family == WeightFamily.Caffe)
            {
                string y = g.Conv(x, node, $"{chainer}/W", $"{chainer}/b", outputs, inputs, kernel, stride, pad);
                return relu ? g.Relu(y, $"{node}_relu") : y;
            }

            string conv = g.Conv(x, node, $"{torch}.conv.weight", null, outputs, inputs, kernel, stride, pad);
            string bn = g.BatchNorm(conv, $"{node}_bn", ($"{torch}.bn.weight", $"{torch}.bn.bias", $"{torch}.bn.running_mean", $"{torch}.bn.running_var"), outputs, 1e-3f);
            return g.Relu(bn, $"{node}_relu");
        }
    }
}
