using System.Text.Json;
using Tenni.Tests.Support;

namespace Tenni.Tests.Cli;

/// <summary>
/// Issue 17, item 1 on real photos: a 10:1 subset of PetImages-mini (200 cats, 20 dogs), the chapter's
/// head trained for 5 epochs. Without help the head learns to say "cat" (dog recall 0 on this split);
/// class weights and the balanced sampler each raise the dogs' recall, as <c>tenni evaluate</c> shows.
/// </summary>
[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class ImbalanceCommandTests
{
    [Fact]
    public void Train_TenToOneSubset_ClassWeightsAndBalancedSamplerRaiseMinorityRecall()
    {
        string data = ImbalancedSubset(cats: 200, dogs: 20);
        string root = Directory.CreateTempSubdirectory("tenni-imbalance").FullName;

        var (plain, report) = DogRecall(data, Path.Combine(root, "plain"));
        var (weighted, _) = DogRecall(data, Path.Combine(root, "weighted"), "--class-weights", "balanced");
        var (sampled, _) = DogRecall(data, Path.Combine(root, "sampled"), "--sampler", "balanced");

        Assert.Contains("imbalanced: Cat has", report);
        Assert.Contains("consider --class-weights balanced or --sampler balanced", report);
        Assert.True(weighted > plain, $"dog recall with class weights {weighted}, without {plain}");
        Assert.True(sampled > plain, $"dog recall with the balanced sampler {sampled}, without {plain}");
    }

    [Fact]
    public void Train_ClassWeightsFile_RecordsWeightsInLabelOrderAndRefusesAMissingClass()
    {
        string root = Directory.CreateTempSubdirectory("tenni-class-weights").FullName;
        string samples = Path.Combine(TestData.RepositoryRoot, "samples", "pets");
        string good = Path.Combine(root, "weights.json");
        File.WriteAllText(good, """{"dog": 3, "cat": 1.5}""");
        string partial = Path.Combine(root, "partial.json");
        File.WriteAllText(partial, """{"cat": 1}""");

        var (code, _, error) = CliRunner.Run("train", "--data", samples, "--class-weights", good, "--out", Path.Combine(root, "run"));
        var missing = CliRunner.Run("train", "--data", samples, "--class-weights", partial, "--out", Path.Combine(root, "run2"));
        string text = Path.Combine(root, "text.json");
        File.WriteAllText(text, """{"cat": "heavy", "dog": 1}""");
        var notNumber = CliRunner.Run("train", "--data", samples, "--class-weights", text, "--out", Path.Combine(root, "run3"));

        Assert.True(code == 0, error);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "run", "config.json")));
        Assert.Equal([1.5, 3.0], config.RootElement.GetProperty("class_weights").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("class weights must name every class exactly: missing 'dog'", missing.Error);
        Assert.False(Directory.Exists(Path.Combine(root, "run2", "best")));
        Assert.Equal(2, notNumber.ExitCode);
        Assert.Contains("the weight of 'cat' is \"heavy\", not a number", notNumber.Error);
    }

    [Fact]
    public void Train_LabelSmoothingAndMixup_ChoosesGradientTrainingAndRecordsThem()
    {
        string samples = Path.Combine(TestData.RepositoryRoot, "samples", "pets");
        string run = Path.Combine(Directory.CreateTempSubdirectory("tenni-mixup").FullName, "run");

        var (code, output, error) = CliRunner.Run("train", "--data", samples, "--label-smoothing", "0.1", "--mixup", "0.4", "--epochs", "2", "--out", run);

        Assert.True(code == 0, error);
        Assert.Contains("label smoothing, mixup and a balanced sampler shape gradient steps", output);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        var options = config.RootElement.GetProperty("options");
        Assert.Equal(0.1, options.GetProperty("LabelSmoothing").GetDouble());
        Assert.Equal(0.4, options.GetProperty("MixupAlpha").GetDouble());
    }

    private static (double Recall, string TrainOutput) DogRecall(string data, string run, params string[] extra)
    {
        var (code, output, error) = CliRunner.Run(["train", "--data", data, "--recipe", "chapter", "--epochs", "5", "--split", "0.5", "--no-report", "--out", run, .. extra]);
        Assert.True(code == 0, error);
        string json = run + "-evaluation.json";
        var evaluation = CliRunner.Run("evaluate", "--run", run, "--json", json);
        Assert.True(evaluation.ExitCode == 0, evaluation.Error);
        Assert.Contains("│ Dog", evaluation.Output); // the per-class table a user reads
        using var parsed = JsonDocument.Parse(File.ReadAllText(json));
        var dog = parsed.RootElement.GetProperty("evaluation").GetProperty("per_class").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "Dog");
        return (dog.GetProperty("recall").GetDouble(), output);
    }

    // Links, not copies: the photos stay where they are, the subset is only a folder of names.
    private static string ImbalancedSubset(int cats, int dogs)
    {
        string root = Directory.CreateTempSubdirectory("tenni-imbalanced-data").FullName;
        foreach (var (name, count) in new[] { ("Cat", cats), ("Dog", dogs) })
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            foreach (string photo in Directory.GetFiles(Path.Combine(TestData.PetImages, name)).Order(StringComparer.Ordinal).Take(count))
            {
                File.CreateSymbolicLink(Path.Combine(root, name, Path.GetFileName(photo)), photo);
            }
        }

        return root;
    }
}
