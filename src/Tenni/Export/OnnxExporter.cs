using Google.Protobuf;
using Onnx;
using Tenni.IO;
using Tenni.Onnx;

namespace Tenni;

/// <summary>
/// Writes a trained classifier as one ONNX file: the source graph up to the cut layer with its
/// fine-tuned weights, then Flatten → Gemm (the new head) → Softmax (Sigmoid for a multi-label model). The batch dimension is symbolic
/// (<c>N</c>). With preprocessing, the input is an RGB image at the model's size with values 0..255
/// (channel reordering, mean and scale are inside the graph; resizing stays with the caller).
/// Outputs: <c>probabilities</c> [N, classes] and <c>logits</c>.
/// </summary>
public static class OnnxExporter
{
    public const string ProbabilitiesOutput = "probabilities";
    public const string LogitsOutput = "logits";
    public const string ImageInput = "image";

    public static void Export(TrainedClassifier classifier, string path, bool withPreprocessing)
    {
        var source = classifier.Model.Source;
        var graph = source.Graph;
        string cut = classifier.Model.Cut.Tensor;
        var nodes = graph.NodesUpTo(cut).Select(n => n.Proto.Clone()).ToList();
        var used = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);

        var output = new GraphProto { Name = $"tenni-{source.Descriptor.Name}-classifier" };
        int size = source.Preprocessing.Size;
        string networkInput = graph.InputName;
        if (withPreprocessing)
        {
            output.Input.Add(ValueInfo(ImageInput, "N", 3, size, size));
            AddPreprocessing(output, source.Preprocessing, networkInput);
        }
        else
        {
            output.Input.Add(ValueInfo(networkInput, "N", 3, size, size));
        }

        output.Node.AddRange(nodes);
        foreach (var (name, value) in graph.Initializers.Where(kv => used.Contains(kv.Key)))
        {
            output.Initializer.Add(OnnxTensors.FromTorch(value, name));
        }

        // The head: Chainer's Linear is y = x Wᵀ + b, which is Gemm with transB = 1.
        var head = classifier.Model.Head;
        output.Initializer.Add(OnnxTensors.FromTorch(head.weight!, "tenni_head_weight"));
        output.Initializer.Add(OnnxTensors.FromTorch(head.bias!, "tenni_head_bias"));
        output.Node.Add(Node("Flatten", [cut], ["tenni_features"], ("axis", 1L)));
        output.Node.Add(Node("Gemm", ["tenni_features", "tenni_head_weight", "tenni_head_bias"], [LogitsOutput], ("transB", 1L)));
        output.Node.Add(classifier.MultiLabel
            ? Node("Sigmoid", [LogitsOutput], [ProbabilitiesOutput]) // each label on its own, as the model was trained
            : Node("Softmax", [LogitsOutput], [ProbabilitiesOutput], ("axis", 1L)));
        output.Output.Add(ValueInfo(ProbabilitiesOutput, "N", classifier.Classes.Count));
        output.Output.Add(ValueInfo(LogitsOutput, "N", classifier.Classes.Count));

        var model = new ModelProto
        {
            // IR 4 at least: before it, every initializer also had to be listed as a graph input.
            IrVersion = Math.Max(source.IrVersion, 4),
            ProducerName = "tenni",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = output,
            DocString = $"Tenni classifier: {source.Descriptor.Name} cut at {classifier.Model.CutLayer}, classes {string.Join(", ", classifier.Classes)}",
        };

        // Opset 8 at least: numpy-style broadcasting for Sub/Mul/Div (7) and Gemm's broadcast bias.
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Math.Max(source.Opset, 8) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "classes", Value = string.Join("\n", classifier.Classes) });
        if (classifier.Threshold is { } threshold)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = "multi_label_threshold", Value = threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture) });
        }

        model.MetadataProps.Add(new StringStringEntryProto { Key = "input", Value = withPreprocessing ? $"RGB 0..255, {size}x{size}, NCHW" : $"{source.Preprocessing.Kind} preprocessed, {size}x{size}, NCHW" });
        AtomicFile.Write(path, stream => model.WriteTo(stream));
    }

    private static void AddPreprocessing(GraphProto graph, Imaging.Preprocessing p, string networkInput)
    {
        string current = ImageInput;
        int step = 0;
        string Next() => $"tenni_pre_{step++}";
        if (p.Bgr)
        {
            graph.Initializer.Add(Int64s("tenni_bgr_order", [2, 1, 0]));
            string next = Next();
            graph.Node.Add(Node("Gather", [current, "tenni_bgr_order"], [next], ("axis", 1L)));
            current = next;
        }

        if (p.Scale != 1f)
        {
            graph.Initializer.Add(Floats("tenni_scale", [p.Scale], []));
            string next = Next();
            graph.Node.Add(Node("Mul", [current, "tenni_scale"], [next]));
            current = next;
        }

        graph.Initializer.Add(p.MeanImage is { } meanImage
            ? Floats("tenni_mean", meanImage, [1, 3, p.Size, p.Size])
            : Floats("tenni_mean", p.Mean, [1, 3, 1, 1]));
        string centred = p.Std is null ? networkInput : Next();
        graph.Node.Add(Node("Sub", [current, "tenni_mean"], [centred]));
        if (p.Std is { } std)
        {
            graph.Initializer.Add(Floats("tenni_std", std, [1, 3, 1, 1]));
            graph.Node.Add(Node("Div", [centred, "tenni_std"], [networkInput]));
        }
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params (string Name, long Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"tenni_{op}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
        }

        return node;
    }

    private static ValueInfoProto ValueInfo(string name, string batch, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (long d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTensors.Float, Shape = shape } } };
    }

    private static TensorProto Floats(string name, float[] values, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = OnnxTensors.Float };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return t;
    }

    private static TensorProto Int64s(string name, long[] values)
    {
        var t = new TensorProto { Name = name, DataType = OnnxTensors.Int64 };
        t.Dims.Add(values.Length);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return t;
    }
}
