using Tenni.Tests.Support;
using Tenni.Training;

namespace Tenni.Tests.Training;

/// <summary>A multi-label run resumes like any other: its label sets come back from train.tsv and val.tsv.</summary>
[Trait("Category", Categories.RealModel)]
[Collection(TorchCollection.Name)]
public sealed class MultiLabelRunTests
{
    [Fact]
    public void Train_InterruptedMultiLabelRun_ResumesFromItsSplitAndTunesTheThreshold()
    {
        string root = Directory.CreateTempSubdirectory("tenni-multilabel-resume").FullName;
        string csv = Path.Combine(root, "labels.csv");
        var rows = TestData.Photos("Cat", 12).Select((p, i) => $"{p},cat{(i % 2 == 0 ? ";even" : "")}")
            .Concat(TestData.Photos("Dog", 12).Select((p, i) => $"{p},dog{(i % 2 == 0 ? ";even" : "")}"));
        File.WriteAllText(csv, "path,labels\n" + string.Join("\n", rows) + "\n");
        string run = Path.Combine(root, "run");
        var options = new TrainOptions { MultiLabel = true, Epochs = 2, BatchSize = 8 };

        TrainingRun.Train(csv, run, options with { StopAfterEpoch = 1 }, new StringWriter());
        var output = new StringWriter();
        var result = TrainingRun.Train(csv, run, options, output, resume: true);

        Assert.Contains("resumed after epoch 1", output.ToString());
        Assert.Equal(2, result.EpochsDone);
        Assert.StartsWith("labels\tclasses\tsha256\tpath\n", File.ReadAllText(Path.Combine(run, DatasetSplit.ValidationFile)));
        Assert.NotNull(result.MultiLabel);
        Assert.Equal(["cat", "dog", "even"], result.MultiLabel!.Labels.Select(l => l.Name));
        Assert.Equal(result.MultiLabel.Threshold, TrainedModelFile.Read(run).MultiLabelThreshold);
        Assert.Equal(0.5, TrainedModelFile.Read(Path.Combine(run, "best")).MultiLabelThreshold); // saved before tuning
    }
}
