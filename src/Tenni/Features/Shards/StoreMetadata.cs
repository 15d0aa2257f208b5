using System.Text.Json;
using System.Text.Json.Serialization;
using Tenni.IO;

namespace Tenni.Features;

/// <summary>
/// <c>store.json</c>: what every row of a sharded feature store was computed with. The first shard to
/// start writes it; every other shard, and training, must agree with it field for field (except the data
/// path, which each machine may mount elsewhere), so rows of different models, layers, preprocessing or
/// precision are never mixed.
/// </summary>
internal sealed record StoreMetadata(
    string Format, int Version, string Model, string WeightsSha256, string Layer, string Tensor, long[] RowShape,
    string Preprocessing, bool ChannelsLast, string Precision, [property: JsonPropertyName("dtype")] string DType, int Shards, int ChunkRows, string[] Classes, string Data)
{
    public const string FileName = "store.json";
    public const string FormatName = "tenni-feature-store";
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    [JsonIgnore]
    public int RowLength => (int)RowShape.Aggregate(1L, (p, d) => p * d);

    [JsonIgnore]
    public int RowBytes => RowLength * (DType == FeatureDType.Float16 ? 2 : 4);

    /// <summary>What rows of <paramref name="layer"/> computed by <paramref name="model"/> now are.</summary>
    public static StoreMetadata For(SourceModel model, string layer, IReadOnlyList<string> classes, string dataFolder, int shards, int chunkRows, bool float16)
    {
        // Cached before a layer's dropout (Chainer's fc6, fc7), as the training cache does: training applies it.
        string tensor = model.BeforeStochasticNode(model.Resolve(layer).Tensor);
        return new StoreMetadata(
            FormatName, CurrentVersion, model.Descriptor.Name, model.WeightsHash, layer, tensor, model.TensorShape(tensor),
            model.Preprocessing.Fingerprint(), model.Graph.ChannelsLast, ExtractionPrecision.Of(model), float16 ? FeatureDType.Float16 : FeatureDType.Float32,
            shards, chunkRows, classes.ToArray(), Path.GetFullPath(dataFolder));
    }

    /// <summary>The fields that differ from <paramref name="other"/>, as "name: this vs other".</summary>
    public IReadOnlyList<string> Differences(StoreMetadata other)
    {
        var differences = new List<string>();
        void Compare(string name, object a, object b)
        {
            if (!Equals(a, b))
            {
                differences.Add($"{name} {a} (store) vs {b} (this shard)");
            }
        }

        Compare("model", Model, other.Model);
        Compare("weights", WeightsSha256[..12], other.WeightsSha256[..12]);
        Compare("layer", Layer, other.Layer);
        Compare("tensor", Tensor, other.Tensor);
        Compare("row shape", string.Join('×', RowShape), string.Join('×', other.RowShape));
        Compare("preprocessing", Preprocessing, other.Preprocessing);
        Compare("channels-last", ChannelsLast, other.ChannelsLast);
        Compare("precision", Precision, other.Precision);
        Compare("dtype", DType, other.DType);
        Compare("shards", Shards, other.Shards);
        Compare("chunk rows", ChunkRows, other.ChunkRows);
        Compare("classes", string.Join(',', Classes), string.Join(',', other.Classes));
        return differences;
    }

    /// <summary>
    /// Records this metadata in <paramref name="store"/> unless it is there already (shards starting at
    /// once race to create it: the first rename wins, the others read it back), then checks they agree.
    /// </summary>
    public void CreateOrCheck(string store, string what)
    {
        string path = Path.Combine(store, FileName);
        if (!File.Exists(path))
        {
            string temp = Path.Combine(store, $".{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp); // another shard created it first
            }
        }

        var recorded = Read(store);
        var differences = recorded.Differences(this);
        if (differences.Count > 0)
        {
            throw new TenniException($"{what} does not match feature store '{store}': {string.Join("; ", differences)}; a store holds rows of one model, layer, preprocessing and precision: use the store's settings or another --out");
        }
    }

    public static StoreMetadata Read(string store)
    {
        string path = Path.Combine(store, FileName);
        if (!Directory.Exists(store))
        {
            throw new TenniException($"feature store '{store}' does not exist; create it with 'tenni extract DIR --shard I/N --out {store}'");
        }

        if (!File.Exists(path))
        {
            throw new TenniException($"'{store}' is not a feature store (no {FileName}); create one with 'tenni extract DIR --shard I/N --out {store}'");
        }

        StoreMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<StoreMetadata>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new TenniException($"'{path}' is damaged ({e.Message}); delete the store and extract again");
        }

        if (metadata is null || metadata.Format != FormatName || metadata.Version != CurrentVersion || metadata.RowShape is null || metadata.Classes is null
            || metadata.Shards is < 1 or > Shard.MaxCount || metadata.ChunkRows < 1 || metadata.WeightsSha256 is not { Length: 64 } || !FeatureDType.IsKnown(metadata.DType))
        {
            throw new TenniException($"'{path}' is not a version {CurrentVersion} Tenni feature store description; extract into a new store");
        }

        return metadata;
    }
}

/// <summary>How a store keeps its rows on disk.</summary>
internal static class FeatureDType
{
    public const string Float32 = "float32";

    // Half the disk and page cache; features of a frozen network lose about 3 significant digits, which
    // a linear head does not notice (docs/scale-out.md).
    public const string Float16 = "float16";

    public static bool IsKnown(string? name) => name is Float32 or Float16;
}
