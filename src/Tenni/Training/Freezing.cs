using Tenni.Models;
using Tenni.Onnx;

namespace Tenni.Training;

/// <summary>Chainer's <c>disable_update()</c> and <c>enable_update()</c> for a recipe: what trains, and what frozen BatchNorm does.</summary>
public static class Freezing
{
    /// <summary>
    /// Freezes <paramref name="source"/> but <paramref name="trainLayers"/> (friendly or raw names), then
    /// sets the BatchNorm layers left frozen as <paramref name="batchNorm"/> says. Call before building the
    /// classifier, so no forward pass runs with another setting.
    /// </summary>
    public static void Freeze(this SourceModel source, IEnumerable<string> trainLayers, FrozenBatchNorm batchNorm = FrozenBatchNorm.Frozen)
    {
        source.SetTrainable(false);
        foreach (string layer in trainLayers)
        {
            source.SetTrainable(true, layer);
        }

        foreach (OnnxLayer layer in source.BatchStatisticsLayers.Where(l => !l.IsTrainable))
        {
            switch (batchNorm)
            {
                case FrozenBatchNorm.AffineTrainable:
                    layer.SetTrainable(true);
                    layer.BatchStatistics = false;
                    break;
                case FrozenBatchNorm.Trainable:
                    layer.SetTrainable(true);
                    layer.BatchStatistics = true;
                    break;
            }
        }
    }
}
