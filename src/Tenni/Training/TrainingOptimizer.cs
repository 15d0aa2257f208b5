using Tenni.Onnx;
using Adam = TorchSharp.Modules.Adam;
using AdamW = TorchSharp.Modules.AdamW;
using SGD = TorchSharp.Modules.SGD;
using static TorchSharp.torch;

namespace Tenni.Training;

/// <summary>
/// The optimizer a recipe asks for, with one parameter group per distinct learning rate: the trained
/// source layers (per-layer overrides) and the head at its scale (the chapter's 10×). Keeps each group's
/// base rate, which a schedule (<see cref="Extensions.LearningRateScheduler"/>) scales.
/// </summary>
public sealed class TrainingOptimizer
{
    /// <summary>Any optimizer; each group's current rate is its base rate.</summary>
    public TrainingOptimizer(optim.Optimizer optimizer)
    {
        Optimizer = optimizer;
        BaseRates = optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
    }

    public optim.Optimizer Optimizer { get; }

    /// <summary>Each parameter group's rate before any schedule, in the optimizer's group order.</summary>
    public IReadOnlyList<double> BaseRates { get; }

    public static TrainingOptimizer Create(ClassifierModel model, TrainOptions options)
    {
        var rateOf = new Dictionary<OnnxLayer, double>();
        foreach (var (name, rate) in options.LayerLearningRates)
        {
            var layers = model.Source.LayersOf(name);
            if (!layers.Any(l => l.parameters().Any(p => p.requires_grad)))
            {
                throw new TenniException($"a learning rate is given for layer '{name}', but it is frozen: add it to --train-layers (trained: {(options.TrainLayers.Count == 0 ? "the head only" : string.Join(", ", options.TrainLayers))})");
            }

            foreach (var layer in layers)
            {
                rateOf[layer] = rate;
            }
        }

        var groups = model.Source.Graph.Layers
            .SelectMany(l => l.parameters().Where(p => p.requires_grad).Select(p => (Rate: rateOf.GetValueOrDefault(l, options.LearningRate), Parameter: p)))
            .Concat(model.Head.parameters().Select(p => (Rate: options.LearningRate * options.HeadLearningRateScale, Parameter: p)))
            .GroupBy(x => x.Rate)
            .Select(g => (Rate: g.Key, Parameters: g.Select(x => x.Parameter).ToList()))
            .ToList();
        optim.Optimizer optimizer = options.Optimizer switch
        {
            OptimizerKind.Adam => optim.Adam(groups.Select(g => new Adam.ParamGroup(g.Parameters, g.Rate, 0.9, 0.999, 1e-8, options.WeightDecay, false, false)), options.LearningRate),
            OptimizerKind.AdamW => optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, g.Rate, 0.9, 0.999, 1e-8, options.WeightDecay == 0 ? 0.01 : options.WeightDecay, false, false)), options.LearningRate),
            _ => optim.SGD(groups.Select(g => new SGD.ParamGroup(g.Parameters, g.Rate, options.Momentum, 0, options.WeightDecay, false, false)), options.LearningRate, options.Momentum),
        };
        return new TrainingOptimizer(optimizer);
    }

    /// <summary>Sets every group's rate to its base rate times <paramref name="factor"/>.</summary>
    public void Scale(double factor)
    {
        int i = 0;
        foreach (var group in Optimizer.ParamGroups)
        {
            group.LearningRate = BaseRates[i++] * factor;
        }
    }
}
