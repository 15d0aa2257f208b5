using Google.Protobuf;
using Onnx;

namespace Tenni.Onnx;

/// <summary>Reads an ONNX file into its protobuf model, with one-line errors for every way a file can be wrong.</summary>
internal static class OnnxModelFile
{
    /// <summary>Parses <paramref name="path"/>; throws <see cref="TenniException"/> if it is missing, truncated or not ONNX.</summary>
    public static ModelProto Load(string path)
    {
        IO.RegularFile.Require(path, "model file", "expected an .onnx file");

        ModelProto? model;
        try
        {
            // Mapped, not read: weights stored as packed floats become views of the file (PackedFloatWeights).
            var mapped = IO.MappedFile.Open(path);
            model = mapped is null ? null : PackedFloatWeights.TryParse(mapped.Memory);
            if (model is null)
            {
                ((IDisposable?)mapped)?.Dispose(); // nothing views it
                model = ParseStream(path);
            }
        }
        catch (InvalidProtocolBufferException e) // an IOException too: caught first
        {
            throw new TenniException($"'{path}' is not a readable ONNX model (truncated or another format: {e.Message})", e);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new TenniException($"'{path}' could not be read as an ONNX model ({e.Message})", e);
        }

        Validate(model, path);
        return model;
    }

    private static ModelProto ParseStream(string path)
    {
        using var stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }

    /// <summary>Parses an in-memory model (tests and tools build graphs this way).</summary>
    public static ModelProto Parse(byte[] bytes, string origin = "<memory>")
    {
        ModelProto model;
        try
        {
            model = PackedFloatWeights.TryParse(bytes) ?? ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new TenniException($"'{origin}' is not a readable ONNX model ({e.Message})", e);
        }

        Validate(model, origin);
        return model;
    }

    // Protobuf parses many non-ONNX byte strings "successfully" into an empty message, so a model
    // without a graph, nodes or an opset is treated as "not ONNX" rather than run.
    private static void Validate(ModelProto model, string origin)
    {
        if (model.Graph is null || model.Graph.Node.Count == 0)
        {
            throw new TenniException($"'{origin}' is not an ONNX model: it holds no graph nodes");
        }

        if (model.IrVersion <= 0)
        {
            throw new TenniException($"'{origin}' is not an ONNX model: it has no IR version");
        }

        OnnxModelChecks.Check(model, origin);
    }

    /// <summary>The default-domain opset the model was written for.</summary>
    public static long DefaultOpset(ModelProto model) =>
        model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
}
