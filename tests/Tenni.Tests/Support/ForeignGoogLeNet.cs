using Onnx;
using static Tenni.Tests.Support.OnnxGraphBuilder;

namespace Tenni.Tests.Support;

/// <summary>
/// GoogLeNet as other tools export it, written independently of Tenni's architecture writer:
/// <list type="bullet">
/// <item><c>caffe2</c>: the ONNX model zoo's bvlc_googlenet (Caffe2 conversion; opset 9) from Chainer-named
/// weights: a ReLU per branch and none after the concatenation, Caffe's round-up pooling written as
/// asymmetric pads, Reshape to [1, -1] and Gemm.</item>
/// <item><c>caffe2-opset3</c>: the same graph as the zoo's oldest file (opset 3): Dropout with is_test,
/// Reshape's shape as an attribute, Gemm with broadcast. <see cref="Build"/> returns the opset 9 twin as the
/// reference ONNX Runtime can run (it reads opset 7 and later).</item>
/// <item><c>pytorch</c>: torch.onnx.export of torchvision's googlenet (opset 17, eval): BatchNorm folded into
/// the convolutions, <c>transform_input</c> as Gather/Unsqueeze/Mul/Add/Concat before conv1, ceil_mode pooling,
/// no dropout, no softmax. Its input is ImageNet-normalized.</item>
/// </list>
/// </summary>
internal static class ForeignGoogLeNet
{
    private static readonly string[] Modules = ["3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"];

    public static (ModelProto Model, ModelProto Reference, Dictionary<string, string> Expected) Build(string style, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> weights)
    {
        if (style == "pytorch")
        {
            var torch = Torchvision(weights);
            return (torch.Model, torch.Model, torch.Expected);
        }

        var zoo = Caffe2(weights, style == "caffe2-opset3" ? 3 : 9);
        var reference = style == "caffe2-opset3" ? Caffe2(weights, 9).Model : zoo.Model;
        return (zoo.Model, reference, zoo.Expected);
    }

    private static (ModelProto Model, Dictionary<string, string> Expected) Caffe2(IReadOnlyDictionary<string, (long[] Shape, float[] Values)> w, long opset)
    {
        var b = new OnnxGraphBuilder(opset, "data_0", 1, 3, 224, 224);
        var expected = new Dictionary<string, string>();
        int n = 0;
        string Conv(string x, string key, long stride, long pad, bool relu = true)
        {
            var (shape, values) = w[$"{key}/W"];
            string name = key.Replace('/', '_');
            b.Initializer($"{name}_w_0", values, shape);
            b.Initializer($"{name}_b_0", w[$"{key}/b"].Values, shape[0]);
            string y = $"{name}_{++n}";
            b.Node("Conv", [x, $"{name}_w_0", $"{name}_b_0"], [y], "", Ints("kernel_shape", shape[2], shape[3]), Ints("pads", pad, pad, pad, pad), Ints("strides", stride, stride));
            return relu ? Unary("Relu", y) : y;
        }

        string Unary(string op, string x, params AttributeProto[] attributes)
        {
            string y = $"{op.ToLowerInvariant()}_{++n}";
            b.Node(op, [x], [y], "", attributes);
            return y;
        }

        // Caffe rounds pooled sizes up: the zoo's file pads the end by one instead.
        string Pool(string x, long stride) => Unary("MaxPool", x, Ints("kernel_shape", 3, 3), Ints("pads", 0, 0, stride - 1, stride - 1), Ints("strides", stride, stride));
        string Lrn(string x) => Unary("LRN", x, Int("size", 5), Float("alpha", 1e-4f), Float("beta", 0.75f), Float("bias", 1f));

        string h = expected["conv1"] = Conv("data_0", "conv1", 2, 3);
        h = expected["pool1"] = Lrn(Pool(h, 2));
        h = expected["conv2_reduce"] = Conv(h, "conv2_reduce", 1, 0);
        h = expected["conv2"] = Lrn(Conv(h, "conv2", 1, 1));
        h = expected["pool2"] = Pool(h, 2);
        foreach (string m in Modules)
        {
            if (m is "4a" or "5a")
            {
                h = expected[m == "4a" ? "pool3" : "pool4"] = Pool(h, 2);
            }

            string c = $"inc{m}";
            string[] branches =
            [
                Conv(h, $"{c}/conv1", 1, 0),
                Conv(Conv(h, $"{c}/proj3", 1, 0), $"{c}/conv3", 1, 1),
                Conv(Conv(h, $"{c}/proj5", 1, 0), $"{c}/conv5", 1, 2),
                Conv(Unary("MaxPool", h, Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 1, 1)), $"{c}/projp", 1, 0),
            ];
            h = $"inception_{m}_output_{++n}";
            b.Node("Concat", branches, [h], "", Int("axis", 1));
            expected[$"inception_{m}"] = h;
        }

        h = expected["pool5"] = Unary("AveragePool", h, Ints("kernel_shape", 7, 7), Ints("strides", 1, 1));
        h = opset < 7 ? Unary("Dropout", h, Float("ratio", 0.4f), Int("is_test", 1)) : Unary("Dropout", h, Float("ratio", 0.4f));
        if (opset < 5)
        {
            h = Unary("Reshape", h, Ints("shape", 1, -1));
        }
        else
        {
            // Named as the opset 3 twin names it, so that both hold the same tensors.
            b.Initializer("OC2_DUMMY_1", [1L, -1L], 2);
            b.Node("Reshape", [h, "OC2_DUMMY_1"], [$"reshape_{++n}"], "");
            h = $"reshape_{n}";
        }

        var (fcShape, fcValues) = w["loss3_fc/W"];
        b.Initializer("loss3/classifier_w_0", fcValues, fcShape);
        b.Initializer("loss3/classifier_b_0", w["loss3_fc/b"].Values, fcShape[0]);
        AttributeProto[] gemm = opset < 7 ? [Int("broadcast", 1), Int("transB", 1)] : [Int("transB", 1)];
        b.Node("Gemm", [h, "loss3/classifier_w_0", "loss3/classifier_b_0"], ["loss3/classifier_1"], "", gemm);
        expected["loss3_fc"] = "loss3/classifier_1";
        expected["prob"] = Unary("Softmax", "loss3/classifier_1");
        return (b.Output(expected["prob"]).Build("onnx-caffe2"), expected);
    }

    private static (ModelProto Model, Dictionary<string, string> Expected) Torchvision(IReadOnlyDictionary<string, (long[] Shape, float[] Values)> w)
    {
        var b = new OnnxGraphBuilder(17, "x", 1, 3, 224, 224);
        var expected = new Dictionary<string, string>();

        // transform_input: channel c becomes x[:, c] · std_c / 0.5 + (mean_c − 0.5) / 0.5.
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        b.Initializer("/Constant_output_0", [1L], 1);
        var channels = new string[3];
        for (int c = 0; c < 3; c++)
        {
            b.Initializer($"/Constant_{c + 1}_output_0", [(long)c]);
            b.Initializer($"/Constant_{c + 4}_output_0", [std[c] / 0.5f]);
            b.Initializer($"/Constant_{c + 7}_output_0", [(mean[c] - 0.5f) / 0.5f]);
            b.Node("Gather", ["x", $"/Constant_{c + 1}_output_0"], [$"/Gather_{c}_output_0"], $"/Gather_{c}", Int("axis", 1));
            b.Node("Unsqueeze", [$"/Gather_{c}_output_0", "/Constant_output_0"], [$"/Unsqueeze_{c}_output_0"], $"/Unsqueeze_{c}");
            b.Node("Mul", [$"/Unsqueeze_{c}_output_0", $"/Constant_{c + 4}_output_0"], [$"/Mul_{c}_output_0"], $"/Mul_{c}");
            b.Node("Add", [$"/Mul_{c}_output_0", $"/Constant_{c + 7}_output_0"], [$"/Add_{c}_output_0"], $"/Add_{c}");
            channels[c] = $"/Add_{c}_output_0";
        }

        b.Node("Concat", channels, ["/Concat_output_0"], "/Concat", Int("axis", 1));

        // BasicConv2d = conv → BN (ε = 0.001) → ReLU; the exporter folds the BN into the convolution.
        string Conv(string x, string module, long stride, long pad)
        {
            var (shape, values) = TorchBatchNorm.Fold(w, $"{module}.conv.weight", $"{module}.bn", 1e-3f, out float[] bias);
            string path = "/" + module.Replace('.', '/');
            b.Initializer($"onnx::Conv_{path}_w", values, shape);
            b.Initializer($"onnx::Conv_{path}_b", bias, shape[0]);
            b.Node("Conv", [x, $"onnx::Conv_{path}_w", $"onnx::Conv_{path}_b"], [$"{path}/conv/Conv_output_0"], $"{path}/conv/Conv", Ints("kernel_shape", shape[2], shape[3]), Ints("pads", pad, pad, pad, pad), Ints("strides", stride, stride));
            b.Node("Relu", [$"{path}/conv/Conv_output_0"], [$"{path}/Relu_output_0"], $"{path}/Relu");
            return $"{path}/Relu_output_0";
        }

        string Pool(string x, string name, long kernel, long stride, long pad = 0)
        {
            b.Node("MaxPool", [x], [$"/{name}/MaxPool_output_0"], $"/{name}/MaxPool", Int("ceil_mode", 1), Ints("kernel_shape", kernel, kernel), Ints("pads", pad, pad, pad, pad), Ints("strides", stride, stride));
            return $"/{name}/MaxPool_output_0";
        }

        string h = expected["conv1"] = Conv("/Concat_output_0", "conv1", 2, 3);
        h = expected["pool1"] = Pool(h, "maxpool1", 3, 2);
        h = expected["conv2_reduce"] = Conv(h, "conv2", 1, 0);
        h = expected["conv2"] = Conv(h, "conv3", 1, 1);
        h = expected["pool2"] = Pool(h, "maxpool2", 3, 2);
        foreach (string m in Modules)
        {
            if (m is "4a" or "5a")
            {
                h = expected[m == "4a" ? "pool3" : "pool4"] = m == "4a" ? Pool(h, "maxpool3", 3, 2) : Pool(h, "maxpool4", 2, 2);
            }

            string c = $"inception{m}";
            string[] branches =
            [
                Conv(h, $"{c}.branch1", 1, 0),
                Conv(Conv(h, $"{c}.branch2.0", 1, 0), $"{c}.branch2.1", 1, 1),
                Conv(Conv(h, $"{c}.branch3.0", 1, 0), $"{c}.branch3.1", 1, 1),
                Conv(Pool(h, $"{c}/branch4/branch4.0", 3, 1, 1), $"{c}.branch4.1", 1, 0),
            ];
            b.Node("Concat", branches, [$"/{c}/Concat_output_0"], $"/{c}/Concat", Int("axis", 1));
            h = expected[$"inception_{m}"] = $"/{c}/Concat_output_0";
        }

        b.Node("GlobalAveragePool", [h], ["/avgpool/GlobalAveragePool_output_0"], "/avgpool/GlobalAveragePool");
        expected["pool5"] = "/avgpool/GlobalAveragePool_output_0";
        b.Node("Flatten", [expected["pool5"]], ["/Flatten_output_0"], "/Flatten", Int("axis", 1));
        var (fcShape, fcValues) = w["fc.weight"];
        b.Initializer("fc.weight", fcValues, fcShape);
        b.Initializer("fc.bias", w["fc.bias"].Values, fcShape[0]);
        b.Node("Gemm", ["/Flatten_output_0", "fc.weight", "fc.bias"], ["logits"], "/fc/Gemm", Float("alpha", 1f), Float("beta", 1f), Int("transB", 1));
        expected["loss3_fc"] = "logits";
        return (b.Output("logits").Build("pytorch"), expected);
    }
}
