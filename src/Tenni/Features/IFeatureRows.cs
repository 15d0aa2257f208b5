using static TorchSharp.torch;

namespace Tenni.Features;

/// <summary>Cached rows that batches gather from: the training cache's store, or a sharded feature store.</summary>
internal interface IFeatureRows
{
    /// <summary>The rows at <paramref name="indices"/> as one [n, ...] tensor.</summary>
    Tensor Gather(ReadOnlySpan<int> indices);
}
