using System.Text.Json.Nodes;
using Tenni.Tests.Cli;
using Tenni.Training;

namespace Tenni.Tests.Hardening;

/// <summary>model.json: damaged, edited or hostile files fail with a TenniException and never load as another model.</summary>
public sealed class TrainedModelFuzzTests
{
    private static readonly TimeSpan PerVariant = TimeSpan.FromSeconds(2);

    [Fact]
    public void Read_WrittenFile_SameModel()
    {
        string folder = TinyModelFolder.Create(out var written);

        var read = TrainedModelFile.Read(folder);

        Assert.Equal(written, read, new TinyModelFolder.SameMeaning());
        Assert.Equal(TinyModelFolder.Classes, read.Classes);
    }

    [Fact]
    public void Read_TruncatedOrFlippedModelJson_SameModelOrTenniException()
    {
        // Given a valid model.json
        string folder = TinyModelFolder.Create(out var written);
        string file = Path.Combine(folder, "model.json");
        byte[] valid = File.ReadAllBytes(file);

        // When it is read truncated at many offsets and with single bytes flipped, Then each either
        // loads as the same model (a flip in whitespace, or in a hex digit's case) or is refused
        int loaded = Mutations.AssertLoadsSameOrRefuses(valid, seed: 12, bytes => File.WriteAllBytes(file, bytes), () => TrainedModelFile.Read(folder), written, PerVariant, new TinyModelFolder.SameMeaning());

        Assert.InRange(loaded, 0, 200); // most flips must be refused: a meaningful byte changed
    }

    [Fact]
    public void Read_TruncatedOrFlippedWeights_AlwaysRefused()
    {
        string folder = TinyModelFolder.Create(out var written);
        string weights = Path.Combine(folder, "model.safetensors");
        byte[] valid = File.ReadAllBytes(weights);

        int loaded = Mutations.AssertLoadsSameOrRefuses(valid, seed: 13, bytes => File.WriteAllBytes(weights, bytes), () => TrainedModelFile.Read(folder), written, PerVariant, new TinyModelFolder.SameMeaning());

        Assert.Equal(0, loaded);
    }

    [Fact]
    public void Read_HeadTraining_RoundTrips_AndAnEditedTemperatureIsRefused()
    {
        var training = new HeadTraining(HeadSolver.Lbfgs, 1, Refit: true, Folds: 5, Temperature: 0.31);
        string folder = TinyModelFolder.Create(out _, training);

        Assert.Equal(training, TrainedModelFile.Read(folder).Training);

        Edit(folder, json => json["head_training"]!["temperature"] = 1.0);
        Assert.Contains("integrity checksum", Assert.Throws<TenniException>(() => TrainedModelFile.Read(folder)).Message);
    }

    [Fact]
    public void Write_HeadTrainingWithoutTheLaterFields_WritesOnlyTheFirstThree_SoOlderFilesKeepTheirChecksum()
    {
        string folder = TinyModelFolder.Create(out _, new HeadTraining(HeadSolver.Lbfgs, 0.01, Refit: false));

        var head = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "model.json")))!["head_training"]!.AsObject();

        Assert.Equal(["solver", "l2", "refit"], head.Select(p => p.Key));
        Assert.Equal(new HeadTraining(HeadSolver.Lbfgs, 0.01, Refit: false), TrainedModelFile.Read(folder).Training);
    }

    [Fact]
    public void Read_ClassesSwapped_RefusedAsEdited()
    {
        // On main this loaded, and every prediction came back under the other class's name.
        string folder = TinyModelFolder.Create(out _);
        Edit(folder, json => json["classes"] = new JsonArray("dog", "cat", "horse"));

        var error = Assert.Throws<TenniException>(() => TrainedModelFile.Read(folder));

        Assert.Contains("integrity checksum", error.Message);
    }

    [Fact]
    public void Read_WeightsChecksumRemovedAndWeightsFlipped_Refused()
    {
        // On main a missing weights_sha256 skipped the check, so flipped weights loaded.
        string folder = TinyModelFolder.Create(out _);
        Edit(folder, json => json.Remove("weights_sha256"));
        byte[] weights = File.ReadAllBytes(Path.Combine(folder, "model.safetensors"));
        weights[100] ^= 0x40;
        File.WriteAllBytes(Path.Combine(folder, "model.safetensors"), weights);

        var error = Assert.Throws<TenniException>(() => TrainedModelFile.Read(folder));

        Assert.Contains("'weights_sha256' is missing", error.Message);
    }

    [Theory]
    [InlineData("../model.safetensors")]
    [InlineData("/etc/hostname")]
    [InlineData("sub/model.safetensors")]
    [InlineData("..")]
    public void Read_WeightsPathLeavingTheFolder_Refused(string weights)
    {
        string folder = TinyModelFolder.Create(out _);
        Edit(folder, json => json["weights"] = weights);

        var error = Assert.Throws<TenniException>(() => TrainedModelFile.Read(folder));

        Assert.Contains("expected a plain file name inside the model's folder", error.Message);
    }

    [Fact]
    public void Read_WeightsSymlinkLeadingOutOfTheFolder_Refused()
    {
        string folder = TinyModelFolder.Create(out _);
        string outside = Path.Combine(Directory.CreateTempSubdirectory("tenni-outside").FullName, "model.safetensors");
        File.Move(Path.Combine(folder, "model.safetensors"), outside);
        File.CreateSymbolicLink(Path.Combine(folder, "model.safetensors"), outside);

        var error = Assert.Throws<TenniException>(() => TrainedModelFile.Read(folder));

        Assert.Contains("outside the model's folder", error.Message);
    }

    [Fact]
    public async Task Read_WeightsAndModelJsonArePipes_RefusedWithoutHanging()
    {
        // A pipe reports size 0 and a read of it blocks until a writer comes: it must never be read.
        string folder = TinyModelFolder.Create(out _);
        foreach (string name in new[] { "model.safetensors", "model.json" })
        {
            string copy = Directory.CreateTempSubdirectory("tenni-pipe").FullName;
            foreach (string file in Directory.GetFiles(folder))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            File.Delete(Path.Combine(copy, name));
            SpecialFiles.MakeFifo(Path.Combine(copy, name));

            var read = Task.Run(() => TrainedModelFile.Read(copy));
            Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))));
            await Assert.ThrowsAsync<TenniException>(() => read);
        }
    }

    [Theory]
    [InlineData("classes", "null")]
    [InlineData("classes", "\"cat\"")]
    [InlineData("classes", "[1, 2]")]
    [InlineData("layer", "null")]
    [InlineData("layer", "7")]
    [InlineData("format_version", "\"2\"")]
    [InlineData("format_version", "2.5")]
    [InlineData("head", "[3]")]
    [InlineData("head", "[3, -1]")]
    [InlineData("preprocessing", "[]")]
    [InlineData("source_preprocessing", "\"Nope\"")]
    [InlineData("source_sha256", "\"zz\"")]
    [InlineData("weights", "{}")]
    [InlineData("integrity", "null")]
    public void Read_NullOrWrongTypedField_TenniExceptionNamingIt(string field, string value)
    {
        // On main these ended in InvalidOperationException or NullReferenceException: "unexpected", exit 1.
        string folder = TinyModelFolder.Create(out _);
        Edit(folder, json => json[field] = JsonNode.Parse(value));

        var error = Assert.Throws<TenniException>(() => TrainedModelFile.Read(folder));

        Assert.Contains($"'{field}'", error.Message);
        Assert.Contains("expected", error.Message);
    }

    [Fact]
    public void Read_EarlierFormatWithoutIntegrity_RefusedWithAdvice()
    {
        string folder = TinyModelFolder.Create(out _);
        Edit(folder, json =>
        {
            json["format_version"] = 1;
            json.Remove("integrity");
            json.Remove("head");
        });

        var error = Assert.Throws<TenniException>(() => TrainedModelFile.Read(folder));

        Assert.Contains("train the model again", error.Message);
    }

    [Fact]
    public void Predict_ModelJsonClassesSwapped_ExitCode2OneLine()
    {
        string folder = TinyModelFolder.Create(out _);
        Edit(folder, json => json["classes"] = new JsonArray("horse", "dog", "cat"));

        var (code, _, error) = CliRunner.Run("predict", "--run", folder, folder);

        Assert.Equal(2, code);
        Assert.Contains("integrity checksum", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    private static void Edit(string folder, Action<JsonObject> edit)
    {
        string file = Path.Combine(folder, "model.json");
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        edit(json);
        File.WriteAllText(file, json.ToJsonString());
    }
}
