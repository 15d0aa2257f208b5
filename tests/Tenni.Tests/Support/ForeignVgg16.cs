using Onnx;
using static Tenni.Tests.Support.OnnxGraphBuilder;

namespace Tenni.Tests.Support;

/// <summary>
/// VGG16 as other tools export it, written independently of Tenni's architecture writer from
/// torchvision-named weights: PyTorch's torch.onnx.export (opset 17, eval mode: no dropout), MXNet's
/// model-zoo export (opset 7, dropout kept, its own node names) and a MatMul + Add style (opset 13,
/// Reshape, weights stored [in, out]). <see cref="Expected"/> lists the tensor each Chainer layer must resolve to.
/// </summary>
internal static class ForeignVgg16
{
    private static readonly int[] ConvIndices = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28];
    private static readonly int[] BlockEnds = [1, 3, 6, 9, 12];

    public static (ModelProto Model, Dictionary<string, string> Expected) Build(string style, IReadOnlyDictionary<string, (long[] Shape, float[] Values)> torch)
    {
        long opset = style switch { "mxnet" => 7, "pytorch" => 17, _ => 13 };
        var b = new OnnxGraphBuilder(opset, "input", 1, 3, 224, 224);
        var expected = new Dictionary<string, string>();
        string x = "input";
        int block = 1, conv = 1;
        for (int i = 0; i < ConvIndices.Length; i++)
        {
            int t = ConvIndices[i];
            string w = Name(style, $"features.{t}.weight", $"vgg0_conv{i}_weight");
            string bias = Name(style, $"features.{t}.bias", $"vgg0_conv{i}_bias");
            b.Initializer(w, torch[$"features.{t}.weight"].Values, torch[$"features.{t}.weight"].Shape);
            b.Initializer(bias, torch[$"features.{t}.bias"].Values, torch[$"features.{t}.bias"].Shape);
            string convOut = style == "mxnet" ? $"vgg0_conv{i}_fwd" : $"/features/features.{t}/Conv_output_0";
            string reluOut = style == "mxnet" ? $"vgg0_relu{i}_fwd" : $"/features/features.{t + 1}/Relu_output_0";
            b.Node("Conv", [x, w, bias], [convOut], convOut.Replace("_output_0", ""), Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1), Ints("strides", 1, 1));
            b.Node("Relu", [convOut], [reluOut], reluOut.Replace("_output_0", ""));
            expected[$"conv{block}_{conv++}"] = reluOut;
            x = reluOut;
            if (BlockEnds.Contains(i))
            {
                string poolOut = style == "mxnet" ? $"vgg0_pool{block - 1}_fwd" : $"/features/features.{t + 2}/MaxPool_output_0";
                b.Node("MaxPool", [x], [poolOut], poolOut.Replace("_output_0", ""), Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Ints("pads", 0, 0, 0, 0));
                expected[$"pool{block++}"] = poolOut;
                conv = 1;
                x = poolOut;
            }
        }

        if (style == "matmul")
        {
            b.Initializer("flat_shape", [0L, -1L], 2);
            b.Node("Reshape", [x, "flat_shape"], ["flat"]);
        }
        else
        {
            b.Node("Flatten", [x], ["flat"], null, Int("axis", 1));
        }

        x = "flat";
        int[] classifier = [0, 3, 6];
        for (int i = 0; i < 3; i++)
        {
            var (shape, values) = torch[$"classifier.{classifier[i]}.weight"];
            var (_, biasValues) = torch[$"classifier.{classifier[i]}.bias"];
            string w = Name(style, $"classifier.{classifier[i]}.weight", $"vgg0_dense{i}_weight");
            string bias = Name(style, $"classifier.{classifier[i]}.bias", $"vgg0_dense{i}_bias");
            string fcOut = style == "mxnet" ? $"vgg0_dense{i}_fwd" : $"/classifier/classifier.{classifier[i]}/Gemm_output_0";
            b.Initializer(bias, biasValues, shape[0]);
            if (style == "matmul")
            {
                b.Initializer(w, Transpose(values, shape[0], shape[1]), shape[1], shape[0]);
                b.Node("MatMul", [x, w], [fcOut + "_mm"]);
                b.Node("Add", [fcOut + "_mm", bias], [fcOut]);
            }
            else
            {
                b.Initializer(w, values, shape);
                b.Node("Gemm", [x, w, bias], [fcOut], null, Int("transB", 1));
            }

            x = fcOut;
            if (i == 2)
            {
                expected["fc8"] = fcOut;
                break;
            }

            string reluOut = style == "mxnet" ? $"vgg0_relu{13 + i}_fwd" : $"/classifier/classifier.{classifier[i] + 1}/Relu_output_0";
            b.Node("Relu", [x], [reluOut]);
            x = reluOut;
            if (style == "mxnet")
            {
                string dropOut = $"vgg0_dropout{i}_fwd";
                b.Node("Dropout", [x], [dropOut], null, Float("ratio", 0.5f));
                x = dropOut;
            }

            // Without a dropout node in the file, Tenni adds Chainer's after the ReLU.
            expected[$"fc{6 + i}"] = style == "mxnet" ? x : x + "_tenni_dropout";
        }

        return (b.Output(x).Build(), expected);
    }

    private static string Name(string style, string torch, string mxnet) => style == "mxnet" ? mxnet : torch;

    private static float[] Transpose(float[] values, long rows, long columns)
    {
        float[] result = new float[values.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = values[(r * columns) + c];
            }
        }

        return result;
    }
}
