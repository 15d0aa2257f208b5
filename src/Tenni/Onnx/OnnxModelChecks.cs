using Onnx;

namespace Tenni.Onnx;

/// <summary>
/// Checks an ONNX model's claims before anything is built from it: every tensor's dims against the data
/// it carries (raw_data bytes or typed values), no data in external files, and each tensor name written once.
/// </summary>
internal static class OnnxModelChecks
{
    public static void Check(ModelProto model, string origin)
    {
        if (model.Graph.Output.Count == 0)
        {
            throw new TenniException($"'{origin}' is not a usable ONNX model: its graph declares no outputs (every ONNX graph names at least one)");
        }

        foreach (var tensor in model.Graph.Initializer)
        {
            CheckTensor(tensor, origin, $"initializer '{tensor.Name}'");
        }

        foreach (var node in model.Graph.Node)
        {
            foreach (var attribute in node.Attribute)
            {
                if (attribute.T is { } t)
                {
                    CheckTensor(t, origin, $"attribute '{attribute.Name}' of node '{node.Name}' ({node.OpType})");
                }

                foreach (var each in attribute.Tensors)
                {
                    CheckTensor(each, origin, $"attribute '{attribute.Name}' of node '{node.Name}' ({node.OpType})");
                }
            }
        }

        CheckSingleWriters(model.Graph, origin);
    }

    /// <summary>Element sizes in bytes by TensorProto.DataType (onnx.proto); strings and complex types are absent.</summary>
    private static int? ElementSize(int dataType) => dataType switch
    {
        1 or 6 or 12 => 4,          // FLOAT, INT32, UINT32
        2 or 3 or 9 => 1,           // UINT8, INT8, BOOL
        4 or 5 or 10 or 16 => 2,    // UINT16, INT16, FLOAT16, BFLOAT16
        7 or 11 or 13 => 8,         // INT64, DOUBLE, UINT64
        _ => null,
    };

    private static void CheckTensor(TensorProto tensor, string origin, string what)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
        {
            throw new TenniException($"'{origin}' keeps {what} in external data files; save the model as one file (onnx.save(model, path, save_as_external_data=False))");
        }

        if (tensor.Dims.Count > OnnxLimits.MaxRank || tensor.Dims.Any(d => d < 0))
        {
            throw new TenniException($"'{origin}': {what} has dims [{string.Join(", ", tensor.Dims)}]; expected at most {OnnxLimits.MaxRank} non-negative dimensions");
        }

        long count = 1;
        foreach (long d in tensor.Dims)
        {
            // Compared before multiplying, so that no product can overflow.
            if (d != 0 && count > long.MaxValue / d)
            {
                throw new TenniException($"'{origin}': {what} has dims [{string.Join(", ", tensor.Dims)}], more elements than any file holds");
            }

            count *= d;
        }

        long present = PresentElements(tensor, out string field);
        if (present != count)
        {
            throw new TenniException(
                $"'{origin}': {what} has dims [{string.Join(", ", tensor.Dims)}] ({count} elements) but {field} holds {present}; the tensor is damaged");
        }
    }

    // How many elements the tensor carries in the field that holds its data.
    private static long PresentElements(TensorProto tensor, out string field)
    {
        if (!tensor.RawData.IsEmpty)
        {
            field = "raw_data";
            int size = ElementSize(tensor.DataType) ?? throw new TenniException($"tensor '{tensor.Name}' has ONNX data type {tensor.DataType}, which Tenni cannot read from raw_data");
            return tensor.RawData.Length % size == 0 ? tensor.RawData.Length / size : -1;
        }

        (field, long present) = tensor.DataType switch
        {
            1 => ("float_data", tensor.FloatData.Count),
            7 => ("int64_data", tensor.Int64Data.Count),
            11 => ("double_data", tensor.DoubleData.Count),
            12 or 13 => ("uint64_data", tensor.Uint64Data.Count),
            8 => ("string_data", tensor.StringData.Count),
            _ => ("int32_data", (long)tensor.Int32Data.Count),
        };
        return present;
    }

    // Each tensor has one producer: the graph input, an initializer or one node output. A second writer
    // would make the graph's meaning depend on the order it is read in.
    private static void CheckSingleWriters(GraphProto graph, string origin)
    {
        var writers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer)
        {
            writers.TryAdd(tensor.Name, "an initializer");
        }

        foreach (var input in graph.Input)
        {
            writers.TryAdd(input.Name, "a graph input");
        }

        foreach (var node in graph.Node)
        {
            foreach (string output in node.Output.Where(o => o.Length > 0))
            {
                string writer = $"node '{node.Name}' ({node.OpType})";
                if (!writers.TryAdd(output, writer))
                {
                    throw new TenniException($"'{origin}': tensor '{output}' is written by both {writers[output]} and {writer}; each tensor of an ONNX graph has exactly one producer");
                }
            }
        }
    }
}
