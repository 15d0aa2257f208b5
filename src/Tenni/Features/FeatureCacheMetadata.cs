using System.Text.Json;
using System.Text.Json.Nodes;
using Tenni.IO;

namespace Tenni.Features;

/// <summary>
/// <c>cache.json</c> in a feature cache folder: the row shape and row format. Written atomically; a
/// damaged or foreign one is reported as a problem (the cache is then rebuilt), never thrown.
/// </summary>
internal static class FeatureCacheMetadata
{
    public const string FileName = "cache.json";

    private const string Format = "tenni-feature-cache";

    // 2: each row ends in its XxHash64 (CacheRow).
    private const int Version = 2;

    public static void Write(string folder, long[] rowShape)
    {
        var json = new JsonObject
        {
            ["format"] = Format,
            ["format_version"] = Version,
            ["row_shape"] = new JsonArray(rowShape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
            ["row_checksum"] = "xxhash64",
        };
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The recorded row shape, or null with the reason when the file is missing, damaged or not this version's.</summary>
    public static long[]? TryRead(string folder, out string? problem)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            problem = "missing";
            return null;
        }

        try
        {
            var json = JsonFields.Read(path, "the cache is rebuilt");
            if (json.OptionalString("format") != Format || json.Long("format_version", Version, Version) != Version || json.OptionalString("row_checksum") != "xxhash64")
            {
                throw json.Problem($"not a version {Version} Tenni feature cache");
            }

            int rank = json.Array("row_shape", "the row shape").Count;
            long[] shape = json.Longs("row_shape", rank, 1, int.MaxValue);
            if (rank is < 1 or > 8 || shape.Aggregate(1.0, (p, d) => p * d) > int.MaxValue / 4)
            {
                throw json.Problem($"row shape [{string.Join(", ", shape)}] is not one a cache row can have");
            }

            problem = null;
            return shape;
        }
        catch (TenniException e)
        {
            problem = e.Message;
            return null;
        }
        catch (IOException e)
        {
            problem = e.Message;
            return null;
        }
    }
}
