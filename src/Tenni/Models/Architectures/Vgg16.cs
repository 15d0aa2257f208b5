using Onnx;

namespace Tenni.Models.Architectures;

/// <summary>
/// VGG16 (configuration D): 13 3×3 convolutions in five blocks, each block ending in a 2×2 max pooling,
/// then fc6 → ReLU → dropout → fc7 → ReLU → dropout → fc8 → softmax. Chainer's <c>VGG16Layers</c> and
/// torchvision's <c>vgg16</c> are the same network (torchvision's adaptive 7×7 pooling is the identity at
/// 224×224); only the keys differ: <c>conv1_1/W</c> against <c>features.0.weight</c>.
/// </summary>
internal static class Vgg16
{
    private static readonly (int Convs, int Channels)[] Blocks = [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)];

    /// <param name="divisor">Divides every width (tests use reduced networks with the same structure).</param>
    public static ModelProto Build(WeightBinder weights, WeightFamily family, int divisor = 1)
    {
        var g = new GraphWriter("vgg16", weights);
        string x = g.Input;
        long channels = 3;
        int torchIndex = 0;
        for (int b = 0; b < Blocks.Length; b++)
        {
            long width = Blocks[b].Channels / divisor;
            for (int i = 1; i <= Blocks[b].Convs; i++)
            {
                string name = $"conv{b + 1}_{i}";
                string torch = $"features.{torchIndex}";
                x = g.Conv(x, name, FamilyKeys.Weight(family, name, torch), FamilyKeys.Bias(family, name, torch), width, channels, 3, pad: 1);
                x = g.Relu(x, $"relu{b + 1}_{i}");
                channels = width;
                torchIndex += 2;
            }

            // Chainer pools with cover_all (ceil); at 224×224 every size is even, so both agree.
            x = g.MaxPool(x, $"pool{b + 1}", 2, 2, ceil: family == WeightFamily.Caffe);
            torchIndex++;
        }

        long hidden = 4096 / divisor;
        x = g.Flatten(x, "flatten");
        x = FullyConnected(g, x, family, "fc6", "classifier.0", hidden, channels * 7 * 7, dropout: true);
        x = FullyConnected(g, x, family, "fc7", "classifier.3", hidden, hidden, dropout: true);
        x = FullyConnected(g, x, family, "fc8", "classifier.6", 1000, hidden, dropout: false);
        return g.Build(g.Softmax(x, "prob"), $"VGG16, {family} weights");
    }

    private static string FullyConnected(GraphWriter g, string x, WeightFamily family, string name, string torchName, long outputs, long inputs, bool dropout)
    {
        x = g.Linear(x, name, FamilyKeys.Weight(family, name, torchName), FamilyKeys.Bias(family, name, torchName), outputs, inputs);
        return dropout ? g.Dropout(g.Relu(x, $"relu_{name}"), $"dropout_{name}", 0.5f) : x;
    }
}
