using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tenni.IO;

/// <summary>
/// Typed, validating access to the fields of a JSON object Tenni wrote (model.json, snapshot state,
/// manifests): a missing, null, wrong-typed or out-of-range field is a <see cref="TenniException"/>
/// naming the file, the field and what was expected, never a JSON or cast exception.
/// </summary>
internal sealed class JsonFields
{
    // Tenni's own JSON files are kilobytes; a larger one is not ours, and is not read into memory.
    public const long MaxFileBytes = 64L << 20;

    private readonly JsonObject _json;

    private JsonFields(JsonObject json, string file, string where)
    {
        _json = json;
        File = file;
        Where = where;
    }

    public string File { get; }

    private string Where { get; }

    /// <summary>Reads <paramref name="path"/> as a JSON object; <paramref name="damaged"/> says what to do about a damaged file.</summary>
    public static JsonFields Read(string path, string damaged)
    {
        // A link to /dev/zero must not be read: FileInfo.Length is the link's own size, so ask statx.
        long length = RegularFile.Require(path, "file", damaged).Size;
        if (length > MaxFileBytes)
        {
            throw new TenniException($"'{path}' has {length} bytes, more than the {MaxFileBytes >> 20} MiB a Tenni JSON file can have; {damaged}");
        }

        return Parse(BoundedFile.Read(path, MaxFileBytes), path, damaged);
    }

    /// <summary>Typed access to an object already parsed (a part of a larger file, such as one extension's snapshot state).</summary>
    public static JsonFields Wrap(JsonObject json, string file) => new(json, file, "");

    public static JsonFields Parse(byte[] bytes, string file, string damaged)
    {
        // The parser checks strings' UTF-8 only when they are read: check all of it here, once.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new TenniException($"'{file}' is not valid UTF-8 text; {damaged}");
        }

        try
        {
            // Duplicate names would otherwise pass the parse and throw on first access.
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) is JsonObject json
                ? new JsonFields(json, file, "")
                : throw new TenniException($"'{file}' does not hold a JSON object; {damaged}");
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new TenniException($"'{file}' is not valid JSON ({e.Message}); {damaged}", e);
        }
    }

    public bool Has(string name) => _json.ContainsKey(name);

    public bool Bool(string name) =>
        Value(name) is { } v && v.TryGetValue(out bool b) ? b : throw (Value(name) is null ? Missing(name, "true or false") : Wrong(name, "true or false", _json[name]));

    public string String(string name) => OptionalString(name) ?? throw Missing(name, "a string");

    public string? OptionalString(string name) =>
        Value(name) switch
        {
            null => null,
            var v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            var v => throw Wrong(name, "a string", v),
        };

    public string Hex(string name, int length)
    {
        string value = String(name);
        return value.Length == length && value.All(char.IsAsciiHexDigit) ? value.ToLowerInvariant() : throw Wrong(name, $"{length} hexadecimal digits", Value(name)!);
    }

    public long Long(string name, long min, long max) =>
        OptionalLong(name, min, max) ?? throw Missing(name, $"an integer from {min} to {max}");

    public long? OptionalLong(string name, long min, long max) =>
        OptionalNumber(name, min, max, (JsonElement e, out long n) => e.TryGetInt64(out n), $"an integer from {min} to {max}");

    public int Int(string name, int min, int max) => (int)Long(name, min, max);

    public double Double(string name, double min, double max) =>
        OptionalDouble(name, min, max) ?? throw Missing(name, $"a number from {min} to {max}");

    public double? OptionalDouble(string name, double min, double max) =>
        OptionalNumber(name, min, max, (JsonElement e, out double d) => e.TryGetDouble(out d), $"a number from {min} to {max}");

    private delegate bool TryNumber<T>(JsonElement element, out T value);

    private T? OptionalNumber<T>(string name, T min, T max, TryNumber<T> read, string expected)
        where T : struct, IComparable<T>
    {
        var value = Value(name);
        if (value is null)
        {
            return null;
        }

        return value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out JsonElement e) && read(e, out T n) && n.CompareTo(min) >= 0 && n.CompareTo(max) <= 0
            ? n
            : throw Wrong(name, expected, value);
    }

    public T Enum<T>(string name)
        where T : struct, System.Enum =>
        OptionalEnum<T>(name) ?? throw Missing(name, $"one of {string.Join(", ", System.Enum.GetNames<T>())}");

    public T? OptionalEnum<T>(string name)
        where T : struct, System.Enum
    {
        string? text = OptionalString(name);
        return text is null ? null
            : System.Enum.GetNames<T>().Contains(text, StringComparer.Ordinal) ? System.Enum.Parse<T>(text)
            : throw Wrong(name, $"one of {string.Join(", ", System.Enum.GetNames<T>())}", Value(name)!);
    }

    public string[] Strings(string name, int minCount)
    {
        var array = Array(name, $"an array of at least {minCount} strings");
        if (array.Count < minCount || array.Any(s => s is null || s.GetValueKind() != JsonValueKind.String))
        {
            throw Wrong(name, $"an array of at least {minCount} strings", array);
        }

        return array.Select(s => s!.GetValue<string>()).ToArray();
    }

    public long[] Longs(string name, int count, long min, long max)
    {
        string expected = $"an array of {count} integers from {min} to {max}";
        var array = Array(name, expected);
        var values = array.Select(v => v is not null && v.GetValueKind() == JsonValueKind.Number && v.AsValue().TryGetValue(out JsonElement e) && e.TryGetInt64(out long n) && n >= min && n <= max ? n : (long?)null).ToArray();
        return values.Length == count && values.All(v => v is not null) ? values.Select(v => v!.Value).ToArray() : throw Wrong(name, expected, array);
    }

    public JsonArray Array(string name, string expected) =>
        _json[name] switch
        {
            null => throw Missing(name, expected),
            JsonArray a => a,
            var v => throw Wrong(name, expected, v),
        };

    public JsonFields Object(string name) =>
        _json[name] switch
        {
            null => throw Missing(name, "an object"),
            JsonObject o => new JsonFields(o, File, $"{Where}{name}."),
            var v => throw Wrong(name, "an object", v),
        };

    /// <summary>The object at an array element, for arrays of objects.</summary>
    public JsonFields Element(JsonNode? node, string name) =>
        node is JsonObject o ? new JsonFields(o, File, $"{Where}{name}[].") : throw Wrong(name, "an array of objects", node);

    /// <summary>The object itself, for a part that reads its own fields.</summary>
    public JsonObject Json => _json;

    public IEnumerable<string> Names => _json.Select(kv => kv.Key);

    public TenniException Problem(string message) => new($"'{File}': {message}");

    private JsonValue? Value(string name) =>
        _json[name] switch
        {
            null => null,
            JsonValue v => v,
            var v => throw Wrong(name, "a single value", v),
        };

    private TenniException Missing(string name, string expected) =>
        new($"'{File}': field '{Where}{name}' is missing or null, expected {expected}; the file is damaged or was not written by this version of Tenni");

    private TenniException Wrong(string name, string expected, JsonNode? received)
    {
        string text = received?.ToJsonString() ?? "null";
        return new($"'{File}': field '{Where}{name}' is {(text.Length > 60 ? text[..60] + "…" : text)}, expected {expected}; the file is damaged or was not written by this version of Tenni");
    }
}
