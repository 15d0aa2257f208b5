using System.Globalization;
using Tenni.Data;
using Tenni.IO;

namespace Tenni.Training;

/// <summary>
/// How much each class's photos count in the loss (<c>--class-weights</c>): the same for all
/// (<see cref="None"/>), inversely to the class's share of the training photos (<see cref="Balanced"/>,
/// scikit-learn's <c>class_weight="balanced"</c>: N / (K · n_c)), or as given by class name
/// (<see cref="Of"/>, <see cref="Read"/>). Applies to gradient training and to the L-BFGS head alike.
/// </summary>
public sealed record ClassWeights
{
    private ClassWeights(string kind, IReadOnlyDictionary<string, double>? values)
    {
        Kind = kind;
        Values = values;
    }

    public static ClassWeights None { get; } = new("none", null);

    public static ClassWeights Balanced { get; } = new("balanced", null);

    /// <summary>"none", "balanced" or "given".</summary>
    public string Kind { get; }

    /// <summary>Weights by class name when given; null otherwise.</summary>
    public IReadOnlyDictionary<string, double>? Values { get; }

    /// <summary>Weights by class name: every class of the data must be named, each weight positive and finite.</summary>
    public static ClassWeights Of(IReadOnlyDictionary<string, double> values)
    {
        foreach (var (name, weight) in values)
        {
            if (!double.IsFinite(weight) || weight <= 0)
            {
                throw new TenniException($"class weight of '{name}' must be a positive number, got {weight.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        return new("given", new Dictionary<string, double>(values, StringComparer.Ordinal));
    }

    /// <summary>Reads a JSON object of class name → weight, e.g. <c>{"Cat": 1, "Dog": 4.5}</c>.</summary>
    public static ClassWeights Read(string path)
    {
        const string expected = "expected a JSON object of class name → weight, e.g. {\"Cat\": 1, \"Dog\": 4.5}";
        var fields = JsonFields.Read(path, expected);
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in fields.Json)
        {
            // A user's file: its problems are named as such, not as a damaged file of Tenni's.
            weights[name] = value is System.Text.Json.Nodes.JsonValue number && number.TryGetValue(out double weight)
                ? weight
                : throw new TenniException($"class weights file '{path}': the weight of '{TextEscaping.ForDisplay(name)}' is {TextEscaping.ForDisplay(value?.ToJsonString() ?? "null")}, not a number; {expected}");
        }

        return Of(weights);
    }

    /// <summary>The weights in label order for these classes and training photos; null for <see cref="None"/>.</summary>
    public double[]? For(IReadOnlyList<string> classes, IReadOnlyList<ImageSample> train)
    {
        if (Kind == "none")
        {
            return null;
        }

        if (Values is null)
        {
            int[] counts = new int[classes.Count];
            foreach (var sample in train)
            {
                counts[sample.Label]++;
            }

            int empty = Array.IndexOf(counts, 0);
            return empty >= 0
                ? throw new TenniException($"--class-weights balanced: class '{classes[empty]}' has no training photos; give it some, or leave it out with --classes")
                : [.. counts.Select(n => (double)train.Count / (classes.Count * n))];
        }

        var problems = new List<string>();
        if (Values.Keys.Where(k => !classes.Contains(k)).ToArray() is { Length: > 0 } unknown)
        {
            problems.Add($"unknown {string.Join(", ", unknown.Select(c => $"'{TextEscaping.ForDisplay(c)}'"))}");
        }

        if (classes.Where(c => !Values.ContainsKey(c)).ToArray() is { Length: > 0 } missing)
        {
            problems.Add($"missing {string.Join(", ", missing.Select(c => $"'{c}'"))}");
        }

        if (problems.Count > 0)
        {
            throw new TenniException($"class weights must name every class exactly: {string.Join("; ", problems)} (the classes: {string.Join(", ", classes)})");
        }

        return [.. classes.Select(c => Values[c])];
    }

    public override string ToString() => Kind;
}
