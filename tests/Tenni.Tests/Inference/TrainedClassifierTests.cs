using Tenni.Imaging;
using Tenni.Tests.Support;
using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni.Tests.Inference;

[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class TrainedClassifierTests(TrainedRunFixture run) : IClassFixture<TrainedRunFixture>
{
    [Fact]
    public void Load_SavedRun_BitwiseSamePredictionsAsTheModelInMemory()
    {
        using var classifier = TrainedClassifier.Load(run.Folder);

        float[] loaded = classifier.Predict(run.Photos.Select(ImageDecoder.Decode).ToList()).SelectMany(p => p).ToArray();

        Assert.Equal(["Cat", "Dog"], classifier.Classes);
        Assert.Equal(run.InMemoryProbabilities, loaded);
    }

    [Fact]
    public void Train_FromTrainedModel_SecondStageRecordsParentAndStartsFromIt()
    {
        string stage2 = Path.Combine(Directory.CreateTempSubdirectory("tenni-stage2").FullName, "run");
        float[]? startHead = null;
        using (var parent = TrainedClassifier.Load(run.Folder))
        {
            startHead = parent.Model.Head.weight!.detach().contiguous().data<float>().ToArray();
        }

        var options = new TrainOptions { PerClass = 16, Epochs = 1, BatchSize = 8, TrainLayers = ["res5"], LearningRate = 1e-5, InitialModel = run.Folder, Cache = true };
        var result = TrainingRun.Train(TestData.PetImages, stage2, options, new StringWriter());

        Assert.Contains("\"parent\":", File.ReadAllText(Path.Combine(stage2, "config.json")));
        Assert.Contains(Path.GetFullPath(run.Folder), File.ReadAllText(Path.Combine(stage2, "config.json")));
        using var continued = TrainedClassifier.Load(stage2);
        float[] endHead = continued.Model.Head.weight!.detach().contiguous().data<float>().ToArray();
        double moved = startHead.Zip(endHead, (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(moved, 1e-9, 0.1); // started from the parent's head and trained a little
        Assert.InRange(result.BestAccuracy, 0.8, 1.0); // measured 0.9 (9 of 10 validation photos); chance is 0.5, one photo of margin

        // A third stage, head only, from the res5-tuned model: its saved model must carry the parent's
        // res5 (frozen now, but not the source file's values), so loading it predicts as it did in memory.
        string stage3 = Path.Combine(Directory.CreateTempSubdirectory("tenni-stage3").FullName, "run");
        float[] inMemory = [];
        TrainingRun.Train(TestData.PetImages, stage3, options with { TrainLayers = [], InitialModel = stage2 }, new StringWriter(), finished: model =>
        {
            model.Train(false);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var batch = model.Source.Preprocessing.ToBatch(run.Photos.Select(ImageDecoder.Decode).ToList());
            inMemory = model.Logits(model.Source.Graph.InputName, batch).softmax(1).contiguous().data<float>().ToArray();
        });
        using var third = TrainedClassifier.Load(stage3);
        Assert.Equal(inMemory, third.Predict(run.Photos.Select(ImageDecoder.Decode).ToList()).SelectMany(p => p).ToArray());
    }

    [Fact]
    public void Load_BadRunFolders_ClearMessages()
    {
        string empty = Directory.CreateTempSubdirectory("tenni-norun").FullName;
        Assert.Contains("holds no trained model", Assert.Throws<TenniException>(() => TrainedClassifier.Load(empty)).Message);
        Assert.Contains("does not exist", Assert.Throws<TenniException>(() => TrainedClassifier.Load("/no/such/run")).Message);

        string truncated = CopyRun();
        byte[] weights = File.ReadAllBytes(Path.Combine(truncated, "model.safetensors"));
        File.WriteAllBytes(Path.Combine(truncated, "model.safetensors"), weights[..(weights.Length / 2)]);
        Assert.Contains("changed or truncated", Assert.Throws<TenniException>(() => TrainedClassifier.Load(truncated)).Message);

        string tampered = CopyRun();
        weights[^5] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(tampered, "model.safetensors"), weights);
        Assert.Contains("changed or truncated", Assert.Throws<TenniException>(() => TrainedClassifier.Load(tampered)).Message);

        string otherSource = CopyRun();
        string json = File.ReadAllText(Path.Combine(otherSource, "model.json"));
        File.WriteAllText(Path.Combine(otherSource, "model.json"), System.Text.RegularExpressions.Regex.Replace(json, "\"source_sha256\": \"[0-9a-f]+\"", "\"source_sha256\": \"" + new string('0', 64) + "\""));
        Assert.Contains("integrity checksum", Assert.Throws<TenniException>(() => TrainedClassifier.Load(otherSource)).Message);

        string newer = CopyRun();
        File.WriteAllText(Path.Combine(newer, "model.json"), File.ReadAllText(Path.Combine(newer, "model.json")).Replace($"\"format_version\": {TrainedModelFile.FormatVersion}", "\"format_version\": 99"));
        Assert.Contains("format version 99", Assert.Throws<TenniException>(() => TrainedClassifier.Load(newer)).Message);
    }

    private string CopyRun()
    {
        string copy = Directory.CreateTempSubdirectory("tenni-runcopy").FullName;
        foreach (string file in new[] { "model.json", "model.safetensors" })
        {
            File.Copy(Path.Combine(run.Folder, file), Path.Combine(copy, file));
        }

        return copy;
    }
}
