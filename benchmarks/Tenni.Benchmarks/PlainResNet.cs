using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Tenni.Benchmarks;

/// <summary>
/// The bundled CNTK ResNet18 ([2, 2, 2, 3] basic blocks) written as a plain TorchSharp module, the
/// yardstick for the graph executor's overhead. Modules are created in the CNTK file's node order
/// (projection shortcut first) so weights can be copied over by position. A yardstick for speed only: the
/// file pads asymmetrically (the stem [3, 3, 2, 2], the strided 3×3 convolutions and the max pooling
/// [1, 1, 0, 0]) where TorchSharp's modules pad both sides alike, so its features differ from the file's
/// (max abs difference ≈ 3 of 10) while every shape, and so the work, is the same.
/// </summary>
internal sealed class PlainResNet : Module<Tensor, Tensor>
{
    private readonly Sequential _stem;
    private readonly ModuleList<BasicBlock> _blocks = new();

    public PlainResNet()
        : base("PlainResNet")
    {
        _stem = Sequential(Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false), BatchNorm2d(64), ReLU(), MaxPool2d(3, 2, 1));
        int channels = 64;
        foreach (var (width, count, stride) in new[] { (64, 2, 1), (128, 2, 2), (256, 2, 2), (512, 3, 2) })
        {
            for (int i = 0; i < count; i++)
            {
                _blocks.Add(new BasicBlock(channels, width, i == 0 ? stride : 1));
                channels = width;
            }
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor h = _stem.forward(x);
        foreach (var block in _blocks)
        {
            h = block.forward(h);
        }

        return functional.avg_pool2d(h, 7);
    }

    /// <summary>Convolution and BatchNorm modules in creation order.</summary>
    public IEnumerable<Module> WeightModules() =>
        _stem.children().Take(2).Concat(_blocks.SelectMany(b => b.WeightModules()));

    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Sequential? _projection;
        private readonly Conv2d _conv1;
        private readonly BatchNorm2d _bn1;
        private readonly Conv2d _conv2;
        private readonly BatchNorm2d _bn2;

        public BasicBlock(int input, int output, int stride)
            : base("BasicBlock")
        {
            if (stride != 1 || input != output)
            {
                _projection = Sequential(Conv2d(input, output, 1, stride: stride, bias: false), BatchNorm2d(output));
            }

            _conv1 = Conv2d(input, output, 3, stride: stride, padding: 1, bias: false);
            _bn1 = BatchNorm2d(output);
            _conv2 = Conv2d(output, output, 3, padding: 1, bias: false);
            _bn2 = BatchNorm2d(output);
            RegisterComponents();
        }

        public IEnumerable<Module> WeightModules() =>
            (_projection?.children().Take(2) ?? []).Concat([_conv1, _bn1, _conv2, _bn2]);

        public override Tensor forward(Tensor x)
        {
            Tensor shortcut = _projection?.forward(x) ?? x;
            Tensor h = functional.relu(_bn1.forward(_conv1.forward(x)));
            return functional.relu(_bn2.forward(_conv2.forward(h)) + shortcut);
        }
    }
}
