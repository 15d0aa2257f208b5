using Tenni.Tests.Support;
using Tenni.Training;

namespace Tenni.Tests.Training;

/// <summary>
/// The report at the end of training is scored from the cached validation rows by the model in memory
/// (issue 14); <c>tenni report</c> loads the saved model and predicts the photos. On the real ResNet18 and
/// real photos, in both precisions, the two pages are the same: prediction computes what training did.
/// </summary>
[Trait("Category", Categories.RealModel)]
public sealed class CachedReportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("tenni-cached-report").FullName;

    [Theory]
    [InlineData(Precision.Fp32)]
    [InlineData(Precision.Bf16)]
    public void Train_ReportFromCachedRows_EqualsTheReportFromTheSavedModelAndTheFiles(Precision precision)
    {
        // Given a run whose report was scored from the cached validation rows by the model in memory
        string run = Path.Combine(_folder, "run");
        TrainingRun.Train(TestData.PetImages, run, new TrainOptions { PerClass = 24, Precision = precision, CacheFolder = Path.Combine(_folder, "cache") }, new StringWriter());
        string written = File.ReadAllText(Path.Combine(run, RunReport.FileName));

        // When the report is made again by loading the saved model and predicting the photos
        string again = RunReport.Render(run);

        // Then every number agrees, and the model file says what the frozen layers computed in
        Assert.Equal(again, written);
        var info = TrainedModelFile.Read(run);
        using var classifier = TrainedClassifier.Load(run);
        Assert.Equal(precision, info.Precision);
        Assert.Equal(precision, classifier.Model.Source.Precision);
        Assert.Equal(precision == Precision.Bf16 ? classifier.Model.Source.Resolve("pool5").Tensor : null, info.FrozenThrough);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
