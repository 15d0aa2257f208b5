using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// What the training loop needs of a model (Chainer's <c>L.Classifier</c> as the optimizer's target):
/// logits for a batch (the loss is the updater's <see cref="ClassificationLoss"/>), a training/evaluation
/// switch, and the state a snapshot saves.
/// <see cref="ClassifierModel"/> is the real one; the loop's tests use a two-parameter stand-in.
/// </summary>
public interface ITrainableModel
{
    void Train(bool training);

    /// <summary>Logits [N, classes] for a batch given as graph tensor <paramref name="tensorName"/>.</summary>
    Tensor Logits(string tensorName, Tensor input);

    /// <summary>Everything training can change, by name.</summary>
    IEnumerable<(string Name, Tensor Value)> TrainableState();

    /// <summary>Copies saved values (by the names of <see cref="TrainableState"/>) into the model.</summary>
    void LoadState(IReadOnlyDictionary<string, Tensor> state);
}

/// <summary>State files of a trainable model.</summary>
internal static class TrainableModelFiles
{
    /// <summary>Writes <paramref name="model"/>'s trainable state as a safetensors file (what <see cref="LoadStateFrom"/> reads).</summary>
    public static void SaveStateTo(this ITrainableModel model, string path) => IO.TensorFile.Save(path, model.TrainableState());

    /// <summary>Loads a tensor file written by <see cref="IO.TensorFile"/> into <paramref name="model"/> (see <see cref="ITrainableModel.LoadState"/>), then frees the file's tensors.</summary>
    public static void LoadStateFrom(this ITrainableModel model, string path)
    {
        var (tensors, _) = IO.TensorFile.Load(path);
        try
        {
            model.LoadState(tensors);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }
}
