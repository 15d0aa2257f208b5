using Onnx;
using Tenni.Onnx;
using static TorchSharp.torch;

namespace Tenni.Tests.Onnx;

/// <summary>Runs one ONNX backend node test (model.onnx and test_data_set_0) through Tenni's executor.</summary>
internal static class BackendNodeSuite
{
    public const string Folder = "/usr/share/libonnx-testdata/data/node";

    /// <summary>The prefix of outcomes that are outside what Tenni supports (operator, data type, input kind), not failures.</summary>
    public const string Unsupported = "unsupported";

    // ONNX's backend test tolerances (onnx/backend/test/runner: rtol 1e-3, atol 1e-7).
    private const double Relative = 1e-3;
    private const double Absolute = 1e-7;

    /// <summary>Tests that fail among supported operators, each with the reason Tenni does not do what they ask.</summary>
    public static readonly IReadOnlyDictionary<string, string> KnownFailures = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["test_maxpool_with_argmax_2d_precomputed_pads"] = "MaxPool's Indices output (for unpooling) is refused at load time; classifiers use the values only",
        ["test_maxpool_with_argmax_2d_precomputed_strides"] = "MaxPool's Indices output (for unpooling) is refused at load time; classifiers use the values only",
        ["test_batchnorm_epsilon_training_mode"] = "BatchNormalization's running mean and variance as graph outputs (training_mode=1) are refused: Tenni updates them inside the layer, by the frozen-BN mode",
        ["test_batchnorm_example_training_mode"] = "BatchNormalization's running mean and variance as graph outputs (training_mode=1) are refused: Tenni updates them inside the layer, by the frozen-BN mode",
        ["test_training_dropout"] = "training_mode=1 draws a random mask; the expected values come from numpy's generator, which no runtime reproduces (Tenni's dropout draws from torch's)",
        ["test_training_dropout_default"] = "training_mode=1 draws a random mask from numpy's generator (see test_training_dropout)",
        ["test_training_dropout_default_mask"] = "training_mode=1 draws a random mask from numpy's generator (see test_training_dropout)",
        ["test_training_dropout_mask"] = "training_mode=1 draws a random mask from numpy's generator (see test_training_dropout)",
        ["test_resize_tf_crop_and_resize"] = "tf_crop_and_resize (TensorFlow's crop-and-resize with a region of interest) is refused at load time; classifier exporters do not write it",
    };

    /// <summary>Null when the test passes; else what went wrong (starting with <see cref="Unsupported"/> when it is out of scope).</summary>
    public static string? Run(string directory)
    {
        using var scope = NewDisposeScope();
        ModelProto model;
        TensorProto?[] inputs;
        Tensor[] expected;
        try
        {
            model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(directory, "model.onnx")));
            inputs = ReadProtos(directory, "input", model.Graph.Input.Count);
            expected = ReadProtos(directory, "output", model.Graph.Output.Count).Select(t => OnnxTensors.ToTorch(t!)).ToArray();
        }
        catch (Exception e) when (e is TenniException or Google.Protobuf.InvalidProtocolBufferException)
        {
            return $"{Unsupported} data: {Short(e.Message)}";
        }

        if (inputs.Length > 0 && inputs[0] is { } first && !IsReadable(first))
        {
            return $"{Unsupported} data: input type {first.DataType}";
        }

        if (model.Graph.Input.Count == 0 || inputs[0] is null)
        {
            return $"{Unsupported} input: no tensor input";
        }

        if (model.Graph.Node.FirstOrDefault(n => !OnnxOperatorTable.IsSupported(n.OpType) || n.Domain is not ("" or "ai.onnx")) is { } node)
        {
            return $"{Unsupported} operator: {node.OpType}";
        }

        return Compare(model, inputs, expected);
    }

    private static string? Compare(ModelProto model, TensorProto?[] inputs, Tensor[] expected)
    {
        // Tenni runs one image input; the others are weights, given as initializers.
        for (int i = model.Graph.Input.Count - 1; i >= 1; i--)
        {
            if (inputs[i] is null)
            {
                continue;
            }

            var weight = inputs[i]!.Clone();
            weight.Name = model.Graph.Input[i].Name;
            model.Graph.Initializer.Add(weight);
        }

        try
        {
            using var graph = OnnxGraph.FromModel(model);
            graph.eval();
            string[] names = model.Graph.Output.Select(o => o.Name).ToArray();
            var given = new Dictionary<string, Tensor>(StringComparer.Ordinal) { [model.Graph.Input[0].Name] = OnnxTensors.ToTorch(inputs[0]!) };
            var actual = graph.Run(given, names);
            for (int i = 0; i < names.Length; i++)
            {
                if (Mismatch(expected[i], actual[names[i]]) is { } problem)
                {
                    return $"output {names[i]}: {problem}";
                }
            }

            return null;
        }
        catch (TenniException e) when (e.Message.Contains("ONNX data type", StringComparison.Ordinal))
        {
            return $"{Unsupported} data: {Short(e.Message)}";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"error: {Short(e.Message)}";
        }
    }

    private static string? Mismatch(Tensor expected, Tensor actual)
    {
        if (!expected.shape.SequenceEqual(actual.shape))
        {
            return $"shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]";
        }

        if (expected.dtype != actual.dtype)
        {
            return $"type {actual.dtype}, expected {expected.dtype}";
        }

        using Tensor e = expected.to_type(ScalarType.Float64);
        using Tensor a = actual.to_type(ScalarType.Float64);
        using Tensor bad = (a - e).abs().gt((e.abs() * Relative) + Absolute).logical_and(e.isnan().logical_and(a.isnan()).logical_not());
        using Tensor missing = e.isnan().logical_xor(a.isnan());
        long wrong = bad.sum().item<long>() + missing.sum().item<long>();
        return wrong == 0 ? null : $"{wrong} of {e.numel()} values differ (max |diff| {(a - e).abs().nan_to_num(0, 0, 0).max().item<double>():G3})";
    }

    private static TensorProto?[] ReadProtos(string directory, string kind, int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            string file = Path.Combine(directory, "test_data_set_0", $"{kind}_{i}.pb");
            return File.Exists(file) ? TensorProto.Parser.ParseFrom(File.ReadAllBytes(file)) : null;
        }).ToArray();

    private static bool IsReadable(TensorProto proto)
    {
        try
        {
            OnnxTensors.ToTorch(proto).Dispose();
            return true;
        }
        catch (TenniException)
        {
            return false;
        }
    }

    private static string Short(string message) => message.Split('\n')[0] is { Length: > 160 } line ? line[..160] + "…" : message.Split('\n')[0];
}
