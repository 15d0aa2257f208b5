using Tenni.Models;
using Tenni.Onnx;
using Tenni.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tenni;

/// <summary>
/// The target model: a source model cut at a layer, followed by a new fully connected head whose input
/// size is inferred from the cut layer (Chainer's <c>L.Linear(None, n_out)</c>), trained as Chainer's
/// <c>L.Classifier</c> with softmax cross-entropy and accuracy (<see cref="ClassificationLoss"/>).
/// </summary>
public sealed class ClassifierModel : ITrainableModel, IDisposable
{
    private readonly HashSet<string> _loaded = new(StringComparer.Ordinal);
    private (string State, (LayerAlias Layer, string Tensor)? Layer)? _frozenLayer;

    public ClassifierModel(SourceModel source, string cutLayer, int classes, int seed)
    {
        Source = source;
        Cut = source.Resolve(cutLayer);
        CutLayer = cutLayer;
        long features = source.OutputShape(cutLayer).Aggregate(1L, (p, d) => p * d);

        // Chainer's Linear initialises W ~ N(0, 1/fan_in) (LeCun normal) and b = 0; seeded for reproducibility.
        var generator = new Generator((ulong)seed);
        Head = nn.Linear(features, classes);
        using (no_grad())
        {
            Head.weight!.copy_(normal(0, 1.0 / Math.Sqrt(features), [classes, features], generator: generator));
            Head.bias!.zero_();
        }

        Head.to(source.Graph.Device);
    }

    public SourceModel Source { get; }

    /// <summary>
    /// SHA-256 over source tensors loaded into this model (from a parent run), or null when the source
    /// holds its file's values: activations cached from this model depend on it.
    /// </summary>
    public string? LoadedSourceStateHash { get; private set; }

    public string CutLayer { get; }

    public LayerAlias Cut { get; }

    public Linear Head { get; }

    public int Classes => (int)Head.weight!.shape[0];

    public void Train(bool training)
    {
        Source.Graph.train(training);
        Head.train(training);
    }

    /// <summary>Logits for a batch given as <paramref name="tensorName"/>: the image input, or a cached activation.</summary>
    public Tensor Logits(string tensorName, Tensor input) => Head.forward(Features(tensorName, input));

    /// <summary>The head's input, [N, features], for a batch given as <paramref name="tensorName"/>.</summary>
    public Tensor Features(string tensorName, Tensor input)
    {
        if (input.device_type != Source.Graph.Device.type)
        {
            input = input.to(Source.Graph.Device); // cached rows and loader batches are built on the CPU
        }

        if (tensorName == Cut.Tensor)
        {
            return input.flatten(1);
        }

        // From the image, the frozen layers run as their inference copy (in the source's precision), as
        // the activation cache computes them: with or without the cache, training and prediction see
        // the same frozen features.
        if (tensorName == Source.Graph.InputName && FrozenBoundary() is { } boundary)
        {
            using var frozen = Source.ComputeFrozen(input, [boundary])[boundary];
            return (boundary == Cut.Tensor ? frozen.alias() : Source.Graph.Run(new Dictionary<string, Tensor> { [boundary] = frozen }, [Cut.Tensor])[Cut.Tensor]).flatten(1);
        }

        return Source.Graph.Run(new Dictionary<string, Tensor> { [tensorName] = input }, [Cut.Tensor])[Cut.Tensor].flatten(1);
    }

    /// <summary>
    /// The deepest friendly layer at or before the cut (or before its dropout) that only frozen,
    /// deterministic layers compute and from which the rest of the network follows: where the
    /// activation cache stores rows, and where the frozen copy hands over to the layers that train.
    /// Null when the first layers train.
    /// </summary>
    internal string? FrozenBoundary() => FrozenThrough ?? FrozenLayer()?.Tensor;

    /// <summary>
    /// Where a trained model's frozen layers ended in training (model.json's <c>frozen_through</c>): in
    /// prediction every layer is frozen, but the layers that trained run as they trained, in float32.
    /// </summary>
    internal string? FrozenThrough { get; set; }

    /// <summary><see cref="FrozenBoundary"/> with the friendly layer it belongs to.</summary>
    internal (LayerAlias Layer, string Tensor)? FrozenLayer()
    {
        // Asked every batch: remembered for the layers' current frozen state.
        string state = string.Concat(Source.Graph.Layers.Select(l => l.UsesBatchStatistics ? 'b' : l.parameters().Any(p => p.requires_grad) ? 't' : 'f'));
        if (_frozenLayer is { } known && known.State == state)
        {
            return known.Layer;
        }

        var layer = FindFrozenLayer();
        _frozenLayer = (state, layer);
        return layer;
    }

    private (LayerAlias Layer, string Tensor)? FindFrozenLayer() => Source.FrozenLayerBefore(Cut);

    /// <summary>Everything training can change: the head, trainable source parameters and running statistics that update.</summary>
    public IEnumerable<(string Name, Tensor Value)> TrainableState()
    {
        yield return ("head.weight", Head.weight!);
        yield return ("head.bias", Head.bias!);
        foreach (OnnxLayer layer in Source.Graph.Layers)
        {
            bool statistics = layer.UsesBatchStatistics;
            foreach (var (name, p) in layer.named_parameters())
            {
                // Values loaded from a parent run differ from the source file even when frozen now.
                if (p.requires_grad || _loaded.Contains($"source.{layer.GetName()}.{name}"))
                {
                    yield return ($"source.{layer.GetName()}.{name}", p);
                }
            }

            foreach (var (name, b) in layer.named_buffers())
            {
                if (statistics || _loaded.Contains($"source.{layer.GetName()}.{name}"))
                {
                    yield return ($"source.{layer.GetName()}.{name}", b);
                }
            }
        }
    }

    /// <summary>Copies saved values into this model; every name must exist with the same shape.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        var targets = Head.named_parameters().Select(p => ($"head.{p.name}", (Tensor)p.parameter))
            .Concat(Source.Graph.Layers.SelectMany(l => l.named_parameters().Select(p => ($"source.{l.GetName()}.{p.name}", (Tensor)p.parameter))
                .Concat(l.named_buffers().Select(b => ($"source.{l.GetName()}.{b.name}", b.buffer)))))
            .ToDictionary(t => t.Item1, t => t.Item2);
        using var noGrad = no_grad();
        Source.ForgetFrozenCopies();
        foreach (var (name, value) in state)
        {
            if (!targets.TryGetValue(name, out var target))
            {
                throw new TenniException($"saved tensor '{name}' has no counterpart in model '{Source.Descriptor.Name}' cut at '{CutLayer}'");
            }

            if (!target.shape.SequenceEqual(value.shape))
            {
                throw new TenniException($"saved tensor '{name}' has shape [{string.Join(", ", value.shape)}], the model's is [{string.Join(", ", target.shape)}]");
            }

            target.copy_(value);
            _loaded.Add(name);
        }

        var sourceTensors = state.Where(kv => kv.Key.StartsWith("source.", StringComparison.Ordinal)).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (sourceTensors.Count > 0)
        {
            using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            foreach (var (name, value) in sourceTensors)
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
                using var contiguous = value.detach().cpu().contiguous();
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(contiguous.data<float>().ToArray().AsSpan()));
            }

            LoadedSourceStateHash = Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
        }
    }

    public void Dispose() => Head.Dispose();
}
