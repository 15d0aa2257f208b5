using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tenni.Imaging;
using Tenni.IO;
using Tenni.Models;

namespace Tenni.Training;

/// <summary>
/// A trained model on disk: <c>model.safetensors</c> and, beside it, <c>model.json</c> with what is needed
/// to use the weights — format version, source model name and weights hash, cut layer, classes, head
/// shape, preprocessing — and an <c>integrity</c> SHA-256 over all of it and the weights file's SHA-256,
/// so that no changed field or byte passes as a valid model. The one type that writes, reads, verifies
/// and loads it: for the run's final model, <c>best/</c>, continued training and prediction. An instance
/// is what a verified <c>model.json</c> says; <see cref="WeightsPath"/> is a file inside the model's folder
/// whose SHA-256 matched.
/// </summary>
public sealed record TrainedModelFile(
    string SourceModel,
    string SourceSha256,
    string? SourceWeights,
    WeightFamily? SourcePreprocessing,
    string Layer,
    IReadOnlyList<string> Classes,
    long[] HeadShape,
    string PreprocessingKind,
    int PreprocessingSize,
    int? ResizeShorterSide,
    ResizeFilter Filter,
    string Weights,
    string WeightsSha256,
    string WeightsPath,
    HeadTraining? Training = null)
{
    /// <summary>
    /// A multi-label model's decision threshold (sigmoid outputs; <c>multi_label</c> and <c>threshold</c> in
    /// model.json); null for single-label models (softmax), whose files have neither field.
    /// </summary>
    public double? MultiLabelThreshold { get; init; }

    /// <summary>
    /// The arithmetic of the frozen layers in training (<c>precision</c> in model.json, written only for
    /// bf16 so that float32 files keep their checksum); prediction computes the same.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>The tensor up to which the frozen layers ran in <see cref="Precision"/> (<c>frozen_through</c>): the layers after it trained in float32.</summary>
    public string? FrozenThrough { get; init; }

    /// <summary>2: <c>integrity</c> and <c>head</c> added, every field required.</summary>
    public const int FormatVersion = 2;

    public const string FileName = "model.json";

    public const string WeightsName = "model.safetensors";

    internal const string Damaged = "the file is damaged; use another copy of the run, or train again";

    /// <summary>Whether <paramref name="folder"/> holds a model description (not yet verified).</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, FileName));

    /// <summary>Saves <paramref name="model"/>'s trainable state and its description into <paramref name="folder"/>.</summary>
    public static void Save(string folder, ClassifierModel model, IReadOnlyList<string> classes, HeadTraining? training = null, double? multiLabelThreshold = null)
    {
        string weights = Path.Combine(folder, WeightsName);
        model.SaveStateTo(weights);
        var p = model.Source.Preprocessing;
        Write(folder, new TrainedModelFile(
            model.Source.Descriptor.Name,
            model.Source.WeightsHash,
            model.Source.WeightsPath,
            model.Source.PreprocessingOverride,
            model.CutLayer,
            classes.ToArray(),
            model.Head.weight!.shape,
            p.Kind,
            p.Size,
            p.ResizeShorterSide,
            p.Filter,
            WeightsName,
            UserFiles.Sha256(weights),
            weights,
            training)
        {
            MultiLabelThreshold = multiLabelThreshold,
            Precision = model.Source.Precision,
            FrozenThrough = model.Source.Precision == Precision.Fp32 ? null : model.FrozenBoundary(),
        });
    }

    /// <summary>
    /// The classifier this file describes on <paramref name="source"/>, with its saved weights, after
    /// checking they belong together (source weights, preprocessing, head shape).
    /// </summary>
    public ClassifierModel CreateModel(SourceModel source)
    {
        if (!string.Equals(SourceSha256, source.WeightsHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new TenniException($"this model was trained on source model '{SourceModel}' with weights sha256 {SourceSha256[..12]}…, but '{source.WeightsPath}' has {source.WeightsHash[..12]}…; load it with the same source weights");
        }

        if (PreprocessingDifference(source.Preprocessing) is { } difference)
        {
            throw new TenniException($"this model's preprocessing does not match its source model's: {difference}; use the Tenni version that trained it");
        }

        var model = new ClassifierModel(source, Layer, Classes.Count, seed: 0);
        try
        {
            if (!model.Head.weight!.shape.SequenceEqual(HeadShape))
            {
                throw new TenniException($"model.json records a head of [{string.Join(", ", HeadShape)}], but '{SourceModel}' cut at '{Layer}' gives [{string.Join(", ", model.Head.weight.shape)}]");
            }

            model.LoadStateFrom(WeightsPath);
            model.FrozenThrough = FrozenThrough;
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Loads these weights into <paramref name="model"/> to continue training them: same source weights, cut layer and classes.</summary>
    public void LoadInto(ClassifierModel model, IReadOnlyList<string> classes)
    {
        string mine = string.Join(", ", Classes);
        if (SourceSha256 != model.Source.WeightsHash || Layer != model.CutLayer || mine != string.Join(", ", classes))
        {
            throw new TenniException($"'{Path.GetDirectoryName(WeightsPath)}' was trained with another source, cut layer or classes ({SourceModel}, {Layer}, [{mine}]); continuing needs the same (now {model.Source.Descriptor.Name}, {model.CutLayer}, [{string.Join(", ", classes)}])");
        }

        model.LoadStateFrom(WeightsPath);
    }

    /// <summary>The model's preprocessing differs from the one recorded: null when they agree, else what differs.</summary>
    internal string? PreprocessingDifference(Preprocessing p) =>
        p.Kind == PreprocessingKind && p.Size == PreprocessingSize && p.ResizeShorterSide == ResizeShorterSide && p.Filter == Filter
            ? null
            : $"recorded {PreprocessingKind} {PreprocessingSize} (resize {ResizeShorterSide?.ToString() ?? "none"}, {Filter}), the source model now gives {p.Kind} {p.Size} (resize {p.ResizeShorterSide?.ToString() ?? "none"}, {p.Filter})";

    /// <summary>Writes model.json for <paramref name="info"/> (its weights file already in the folder).</summary>
    internal static void Write(string folder, TrainedModelFile info)
    {
        var json = Fields(info);
        json["integrity"] = Integrity(info);
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// Reads and verifies <c>model.json</c> in <paramref name="folder"/>: every field present and typed,
    /// the integrity checksum, the weights file confined to the folder and matching its SHA-256.
    /// </summary>
    public static TrainedModelFile Read(string folder)
    {
        string file = Path.Combine(folder, FileName);
        var json = JsonFields.Read(file, Damaged);
        if (json.OptionalString("format") != "tenni-classifier")
        {
            throw json.Problem("not a Tenni classifier description (expected \"format\": \"tenni-classifier\")");
        }

        long version = json.Long("format_version", 0, int.MaxValue);
        if (version < FormatVersion)
        {
            throw json.Problem($"format version {version} was written by an earlier Tenni, without the integrity checksum this version requires; train the model again with this version (or use the Tenni that wrote it)");
        }

        if (version > FormatVersion)
        {
            throw json.Problem($"format version {version}; this Tenni reads version {FormatVersion}");
        }

        var preprocessing = json.Object("preprocessing");
        string[] classes = json.Strings("classes", 1);
        long[] head = json.Longs("head", 2, 1, int.MaxValue);
        string weights = json.String("weights");
        string weightsPath = ConfinedFile(folder, weights, json);
        var info = new TrainedModelFile(
            json.String("source_model"),
            json.Hex("source_sha256", 64),
            json.OptionalString("source_weights"),
            json.OptionalEnum<WeightFamily>("source_preprocessing"),
            json.String("layer"),
            classes,
            head,
            preprocessing.String("kind"),
            (int)preprocessing.Long("size", 1, 1 << 16),
            (int?)preprocessing.OptionalLong("resize_shorter_side", 1, 1 << 16),
            preprocessing.Enum<ResizeFilter>("filter"),
            weights,
            json.Hex("weights_sha256", 64),
            weightsPath,
            json.Has("head_training") ? ReadTraining(json.Object("head_training")) : null)
        {
            MultiLabelThreshold = json.Has("multi_label") && json.Bool("multi_label") ? json.Double("threshold", 1e-9, 1 - 1e-9) : null,
            Precision = ReadPrecision(json),
            FrozenThrough = json.OptionalString("frozen_through"),
        };
        if (head[0] != classes.Length)
        {
            throw json.Problem($"the head has {head[0]} outputs for {classes.Length} classes; {Damaged}");
        }

        if (json.Hex("integrity", 64) != Integrity(info))
        {
            throw json.Problem($"its fields do not match its integrity checksum: it was edited or damaged after training (a changed class order, layer or checksum would mislabel predictions); {Damaged}");
        }

        if (UserFiles.Sha256(weightsPath) != info.WeightsSha256)
        {
            throw new TenniException($"'{weightsPath}' does not match the checksum in {FileName}: it was changed or truncated after training; {Damaged}");
        }

        return info;
    }

    private static Precision ReadPrecision(JsonFields json)
    {
        try
        {
            return PrecisionChoice.Parse(json.OptionalString("precision"));
        }
        catch (TenniException e)
        {
            throw json.Problem(e.Message);
        }
    }

    private static HeadTraining ReadTraining(JsonFields training) =>
        new(
            training.Enum<HeadSolver>("solver"),
            training.OptionalDouble("l2", double.Epsilon, double.MaxValue),
            training.Bool("refit"),
            (int)(training.OptionalLong("folds", 0, int.MaxValue) ?? 0),
            training.OptionalDouble("temperature", double.Epsilon, double.MaxValue),
            training.Has("warm_start") && training.Bool("warm_start"));

    /// <summary>The integrity checksum: SHA-256 of the canonical (compact, fixed-order) JSON of every field.</summary>
    internal static string Integrity(TrainedModelFile info) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Fields(info).ToJsonString()))).ToLowerInvariant();

    private static JsonObject Fields(TrainedModelFile info)
    {
        var fields = new JsonObject
        {
            ["format"] = "tenni-classifier",
            ["format_version"] = FormatVersion,
            ["source_model"] = info.SourceModel,
            ["source_sha256"] = info.SourceSha256,
            ["source_weights"] = info.SourceWeights,
            ["source_preprocessing"] = info.SourcePreprocessing?.ToString(),
            ["layer"] = info.Layer,
            ["classes"] = new JsonArray(info.Classes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["head"] = new JsonArray(info.HeadShape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
            ["preprocessing"] = new JsonObject { ["kind"] = info.PreprocessingKind, ["size"] = info.PreprocessingSize, ["resize_shorter_side"] = info.ResizeShorterSide, ["filter"] = info.Filter.ToString() },
            ["weights"] = info.Weights,
            ["weights_sha256"] = info.WeightsSha256,
        };

        // Only when the head was not trained by the chapter's recipe: that recipe's files stay as they were.
        if (info.Training is { } training)
        {
            // Fields added later are written only when set, so files written before them keep their checksum.
            var head = new JsonObject { ["solver"] = training.Solver.ToString(), ["l2"] = training.L2, ["refit"] = training.Refit };
            if (training.Folds > 0)
            {
                head["folds"] = training.Folds;
            }

            if (training.Temperature is { } temperature)
            {
                head["temperature"] = temperature;
            }

            if (training.WarmStart)
            {
                head["warm_start"] = true;
            }

            fields["head_training"] = head;
        }

        // Written only for bfloat16, so float32 files keep their checksum.
        if (info.Precision != Precision.Fp32)
        {
            fields["precision"] = PrecisionChoice.Name(info.Precision);
            fields["frozen_through"] = info.FrozenThrough;
        }

        // Written only for multi-label models, so single-label files keep their checksum.
        if (info.MultiLabelThreshold is { } threshold)
        {
            fields["multi_label"] = true;
            fields["threshold"] = threshold;
        }

        return fields;
    }

    /// <summary>A file named in model.json: a plain name inside <paramref name="folder"/>, not a link leading out of it.</summary>
    private static string ConfinedFile(string folder, string name, JsonFields json)
    {
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0']) >= 0 || Path.IsPathRooted(name))
        {
            throw json.Problem($"field 'weights' is \"{name}\", expected a plain file name inside the model's folder (no folders, no '..', not absolute)");
        }

        string path = Path.Combine(folder, name);
        if (!File.Exists(path))
        {
            throw new TenniException($"trained weights '{path}' are missing; copy the whole run folder");
        }

        if (File.ResolveLinkTarget(path, returnFinalTarget: true) is { } target)
        {
            string? real = Path.GetDirectoryName(target.FullName);
            string home = Path.GetFullPath(Directory.ResolveLinkTarget(folder, returnFinalTarget: true)?.FullName ?? folder);
            if (!string.Equals(real, Path.TrimEndingDirectorySeparator(home), StringComparison.Ordinal) && !string.Equals(real, Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)), StringComparison.Ordinal))
            {
                throw new TenniException($"trained weights '{path}' are a link to '{target.FullName}', outside the model's folder; expected the weights file itself");
            }
        }

        if (new FileInfo(path).Length == 0)
        {
            // Also what a pipe or device reports: never hash those (a read that never ends).
            throw new TenniException($"trained weights '{path}' are empty; {Damaged}");
        }

        return path;
    }
}
