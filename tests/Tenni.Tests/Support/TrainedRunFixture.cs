using Tenni.Imaging;
using Tenni.Training;

namespace Tenni.Tests.Support;

/// <summary>One small trained run (PetImages-mini, 16 images a class, 3 epochs) shared by inference and export tests.</summary>
public sealed class TrainedRunFixture
{
    public TrainedRunFixture()
    {
        Folder = Path.Combine(Directory.CreateTempSubdirectory("tenni-trained").FullName, "run");
        Photos = [.. TestData.Photos("Cat", 4), .. TestData.Photos("Dog", 4)];
        var options = new TrainOptions { PerClass = 16, Epochs = 3, BatchSize = 8 };
        TrainingRun.Train(TestData.PetImages, Folder, options, new StringWriter(), finished: model =>
        {
            // The probabilities of the model as it stands in memory at the end of training.
            model.Train(false);
            using var scope = TorchSharp.torch.NewDisposeScope();
            using var batch = model.Source.Preprocessing.ToBatch(Photos.Select(ImageDecoder.Decode).ToList());
            using var noGrad = TorchSharp.torch.no_grad();
            InMemoryProbabilities = model.Logits(model.Source.Graph.InputName, batch).softmax(1).contiguous().data<float>().ToArray();
        });
    }

    public string Folder { get; }

    public string[] Photos { get; }

    public float[] InMemoryProbabilities { get; private set; } = [];
}
