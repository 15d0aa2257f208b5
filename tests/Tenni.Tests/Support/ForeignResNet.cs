using Onnx;
using static Tenni.Tests.Support.OnnxGraphBuilder;

namespace Tenni.Tests.Support;

/// <summary>
/// Bottleneck ResNets as other tools export them, written independently of Tenni's architecture writer
/// (the depth comes from the weights' keys):
/// <list type="bullet">
/// <item><c>caffe2</c>: the ONNX model zoo's resnet50-caffe2 style (opset 7) from Chainer-named weights:
/// BatchNormalization with spatial=1, residual Sum, round-up pool1 written as asymmetric pads, 7×7
/// AveragePool, Reshape, Gemm, Softmax. Chainer's ResNet: stride in the block's first 1×1 convolution, ε = 2e-5.</item>
/// <item><c>mxnet</c>: the zoo's resnet*-v1-7 files as first published (MXNet, opset 7) from torchvision-named
/// weights: BatchNormalization with spatial=0 and per-channel statistics (MXNet's exporter bug), Add then
/// Relu, GlobalAveragePool, Flatten, Gemm, no softmax. <see cref="Build"/> returns the spatial=1 twin as
/// the reference: ONNX Runtime refuses spatial=0.</item>
/// <item><c>pytorch</c>: torch.onnx.export of torchvision's resnet (opset 17, eval): BatchNorm folded into the
/// convolutions, Add then Relu, GlobalAveragePool, Flatten, Gemm.</item>
/// </list>
/// </summary>
internal static class ForeignResNet
{
    public static (ModelProto Model, ModelProto Reference, Dictionary<string, string> Expected) Build(string style, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> weights)
    {
        var (model, expected) = style switch
        {
            "caffe2" => new Writer(weights, 7, "data_0", chainer: true, fold: false, spatial: 1).Write("onnx-caffe2"),
            "mxnet" => new Writer(weights, 7, "data", chainer: false, fold: false, spatial: 0).Write("mxnet"),
            _ => new Writer(weights, 17, "input", chainer: false, fold: true, spatial: null).Write("pytorch"),
        };

        // The twin names every tensor alike: only the spatial attribute differs.
        var reference = style == "mxnet" ? new Writer(weights, 7, "data", chainer: false, fold: false, spatial: 1).Write("mxnet").Model : model;
        return (model, reference, expected);
    }

    private sealed class Writer(IReadOnlyDictionary<string, (long[] Shape, float[] Values)> w, long opset, string input, bool chainer, bool fold, int? spatial)
    {
        private readonly OnnxGraphBuilder _b = new(opset, input, 1, 3, 224, 224);
        private int _n;

        public (ModelProto Model, Dictionary<string, string> Expected) Write(string producer)
        {
            var expected = new Dictionary<string, string>();
            string h = Conv(input, chainer ? "conv1" : "conv1", chainer ? "bn1" : "bn1", 2, 3, bias: chainer);
            h = expected["conv1"] = Op("Relu", [h]);
            h = expected["pool1"] = chainer
                ? Op("MaxPool", [h], Ints("kernel_shape", 3, 3), Ints("pads", 0, 0, 1, 1), Ints("strides", 2, 2))
                : Op("MaxPool", [h], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2));
            for (int stage = 0; stage < 4; stage++)
            {
                for (int block = 0; w.ContainsKey(Key(stage, block, 1, "weight")); block++)
                {
                    h = Block(h, stage, block);
                }

                expected[$"res{stage + 2}"] = h;
            }

            if (chainer)
            {
                h = expected["pool5"] = Op("AveragePool", [h], Ints("kernel_shape", 7, 7), Ints("strides", 1, 1));
                _b.Initializer("OC2_DUMMY_1", [1L, -1L], 2);
                h = Op("Reshape", [h, "OC2_DUMMY_1"]);
            }
            else
            {
                h = expected["pool5"] = Op("GlobalAveragePool", [h]);
                h = Op("Flatten", [h], Int("axis", 1));
            }

            string fc = chainer ? "fc6" : "fc";
            var (shape, values) = w[chainer ? "fc6/W" : "fc.weight"];
            _b.Initializer($"{fc}_weight", values, shape);
            _b.Initializer($"{fc}_bias", w[chainer ? "fc6/b" : "fc.bias"].Values, shape[0]);
            h = expected["fc6"] = Op("Gemm", [h, $"{fc}_weight", $"{fc}_bias"], Int("transB", 1));
            if (chainer)
            {
                h = expected["prob"] = Op("Softmax", [h]);
            }

            return (_b.Output(h).Build(producer), expected);
        }

        // Chainer's block strides in its first 1×1 convolution, torchvision's (v1.5) in the 3×3.
        private string Block(string x, int stage, int block)
        {
            long stride = block == 0 && stage > 0 ? 2 : 1;
            string h = Op("Relu", [Conv(x, Key(stage, block, 1), Bn(stage, block, 1), chainer ? stride : 1, 0)]);
            h = Op("Relu", [Conv(h, Key(stage, block, 2), Bn(stage, block, 2), chainer ? 1 : stride, 1)]);
            h = Conv(h, Key(stage, block, 3), Bn(stage, block, 3), 1, 0);
            string shortcut = block == 0 ? Conv(x, Key(stage, block, 4), Bn(stage, block, 4), stride, 0) : x;
            return Op("Relu", [Op(chainer ? "Sum" : "Add", [h, shortcut])]);
        }

        private string Key(int stage, int block, int conv, string? suffix = null)
        {
            if (chainer)
            {
                return $"res{stage + 2}/{(block == 0 ? "a" : $"b{block}")}/conv{conv}" + (suffix is null ? "" : "/W");
            }

            string module = $"layer{stage + 1}.{block}." + (conv == 4 ? "downsample.0" : $"conv{conv}");
            return suffix is null ? module : $"{module}.{suffix}";
        }

        private string Bn(int stage, int block, int conv) =>
            chainer ? $"res{stage + 2}/{(block == 0 ? "a" : $"b{block}")}/bn{conv}"
            : $"layer{stage + 1}.{block}." + (conv == 4 ? "downsample.1" : $"bn{conv}");

        private string Conv(string x, string conv, string bn, long stride, long pad, bool bias = false)
        {
            string weightKey = chainer ? $"{conv}/W" : $"{conv}.weight";
            string name = $"w{++_n}";
            var inputs = new List<string> { x, name };
            var (shape, values) = w[weightKey];
            if (fold)
            {
                (shape, values) = TorchBatchNorm.Fold(w, weightKey, bn, 1e-5f, out float[] folded);
                _b.Initializer(name + "_b", folded, shape[0]);
                inputs.Add(name + "_b");
            }
            else if (bias)
            {
                _b.Initializer(name + "_b", w[$"{conv}/b"].Values, shape[0]);
                inputs.Add(name + "_b");
            }

            _b.Initializer(name, values, shape);
            string y = Op("Conv", [.. inputs], Ints("kernel_shape", shape[2], shape[3]), Ints("pads", pad, pad, pad, pad), Ints("strides", stride, stride));
            return fold ? y : BatchNorm(y, bn);
        }

        private string BatchNorm(string x, string bn)
        {
            string[] keys = chainer ? ["gamma", "beta", "avg_mean", "avg_var"] : ["weight", "bias", "running_mean", "running_var"];
            string separator = chainer ? "/" : ".";
            var names = new List<string> { x };
            foreach (string k in keys)
            {
                var (shape, values) = w[$"{bn}{separator}{k}"];
                string name = $"{bn.Replace('/', '_').Replace('.', '_')}_{k}";
                _b.Initializer(name, values, shape);
                names.Add(name);
            }

            AttributeProto[] attributes = [Float("epsilon", chainer ? 2e-5f : 1e-5f), Float("momentum", 0.9f), Int("spatial", spatial ?? 1)];
            return Op("BatchNormalization", [.. names], spatial is null ? attributes[..2] : attributes);
        }

        private string Op(string op, string[] inputs, params AttributeProto[] attributes)
        {
            string y = $"{op.ToLowerInvariant()}{++_n}_fwd";
            _b.Node(op, inputs, [y], $"{op.ToLowerInvariant()}{_n}", attributes);
            return y;
        }
    }
}
