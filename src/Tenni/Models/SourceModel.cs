using Tenni.Imaging;
using Tenni.Native;
using Tenni.Onnx;
using Tenni.Models;
using static TorchSharp.torch;

namespace Tenni;

/// <summary>
/// A pretrained network ready to be cut and fine-tuned: the executable graph, its preprocessing and its
/// friendly layer names. <see cref="Forward"/> is Chainer's <c>model(x, layers=[...])</c>;
/// <see cref="SetTrainable(bool, string[])"/> is <c>disable_update()</c> / <c>enable_update()</c>.
/// </summary>
public sealed class SourceModel : IDisposable
{
    private readonly Dictionary<string, LayerAlias> _aliases;
    private readonly Dictionary<string, long[]> _tensorShapes = new(StringComparer.Ordinal);
    private readonly Lock _shapeGate = new();
    private string? _weightsHash;
    private IReadOnlyList<LayerSummary>? _summaries;

    private SourceModel(ModelDescriptor descriptor, OnnxGraph graph, Preprocessing preprocessing)
    {
        Descriptor = descriptor;
        Graph = graph;
        Preprocessing = preprocessing;
        Aliases = descriptor.ResolveAliases(graph);
        _aliases = Aliases.ToDictionary(a => a.Name, StringComparer.Ordinal);
    }

    public ModelDescriptor Descriptor { get; }

    /// <summary>The weights file this model was loaded from.</summary>
    public string WeightsPath { get; private init; } = "";

    /// <summary>The weights file's format in words ("ONNX", "Chainer .npz", "PyTorch checkpoint", "safetensors").</summary>
    public string WeightsFormat { get; private init; } = "";

    /// <summary>The ONNX IR version and default-domain opset of the graph (the exporter keeps at least these).</summary>
    internal long IrVersion { get; private init; }

    internal long Opset { get; private init; }

    /// <summary>The preprocessing family asked for instead of the weight file's own (saved with trained models).</summary>
    internal WeightFamily? PreprocessingOverride { get; private init; }

    /// <summary>SHA-256 of the weights file (hex), the source model's identity in caches and saved models.</summary>
    public string WeightsHash => _weightsHash ??= IO.UserFiles.Sha256(WeightsPath);

    public OnnxGraph Graph { get; }

    public Preprocessing Preprocessing { get; }

    /// <summary>Friendly layer names in forward order (Chainer's <c>available_layers</c>).</summary>
    public IReadOnlyList<LayerAlias> Aliases { get; }

    public IReadOnlyList<string> AvailableLayers => Aliases.Select(a => a.Name).ToArray();

    /// <summary>The graph layers that keep running statistics (BatchNormalization), in graph order.</summary>
    public IReadOnlyList<OnnxLayer> BatchStatisticsLayers => Graph.Layers.Where(l => l.HoldsBatchStatistics).ToArray();

    /// <summary>Loads a registered model by name, frozen and in evaluation mode.</summary>
    public static SourceModel Load(string name, SourceModelOptions? options = null)
    {
        options ??= new SourceModelOptions();
        TorchNative.EnsureLoaded();
        ModelDescriptor descriptor = ModelRegistry.Get(name);
        string weights = options.WeightsPath ?? descriptor.LocateWeights();
        LoadedWeights loaded = descriptor.ReadWeights(weights, options);
        var graph = OnnxGraph.FromModel(loaded.Model, options.ChannelsLast);
        var preprocessing = descriptor.PreprocessingFor(options.Preprocessing ?? loaded.Family);
        var model = new SourceModel(descriptor, graph, preprocessing)
        {
            WeightsPath = Path.GetFullPath(weights),
            WeightsFormat = loaded.Format,
            IrVersion = loaded.Model.IrVersion,
            Opset = OnnxModelFile.DefaultOpset(loaded.Model),
            PreprocessingOverride = options.Preprocessing,
        };
        model.SetTrainable(false);
        graph.eval();
        return model;
    }

    /// <summary>
    /// Computes the requested layers (friendly names or raw graph tensor names) for a preprocessed batch
    /// [N, 3, H, W]; nothing past the last requested layer is computed.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Forward(Tensor batch, IReadOnlyList<string> layers)
    {
        var tensors = layers.Select(ResolveTensor).ToArray();
        var outputs = Graph.Run(batch, tensors.Select(t => t.Tensor).Distinct().ToArray());
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            Tensor value = outputs[tensors[i].Tensor];
            result[layers[i]] = tensors[i].Flatten ? value.flatten(1) : value;
        }

        return result;
    }

    /// <summary>The default feature layer (<see cref="ModelDescriptor.DefaultLayer"/>) for a batch.</summary>
    public Tensor Features(Tensor batch, string? layer = null)
    {
        string name = layer ?? Descriptor.DefaultLayer;
        return Forward(batch, [name])[name];
    }

    /// <summary>
    /// Freezes (false) or unfreezes (true) layers: friendly names cover every graph layer between the
    /// previous friendly layer and themselves; raw graph layer names are accepted too. No names: the whole model.
    /// </summary>
    public void SetTrainable(bool trainable, params string[] layers)
    {
        var targets = layers.Length == 0 ? Graph.Layers : layers.SelectMany(LayersOf).ToArray();
        foreach (OnnxLayer layer in targets)
        {
            layer.SetTrainable(trainable);
        }
    }

    /// <summary>The graph layers a friendly name (or a raw layer name) stands for.</summary>
    public IReadOnlyList<OnnxLayer> LayersOf(string name)
    {
        if (!_aliases.TryGetValue(name, out var alias))
        {
            return Graph.Layers.Any(l => l.GetName() == name)
                ? [Graph.Layer(name)]
                : throw UnknownLayer(name);
        }

        int index = Aliases.ToList().IndexOf(alias);
        var before = index == 0 ? [] : Graph.LayersUpTo(Aliases[index - 1].Tensor).ToHashSet();
        return Graph.LayersUpTo(alias.Tensor).Where(l => !before.Contains(l)).ToArray();
    }

    /// <summary>Each friendly layer's output shape for one image and the parameters it adds (Chainer's <c>available_layers</c>, annotated).</summary>
    public IReadOnlyList<LayerSummary> DescribeLayers()
    {
        if (_summaries is not null)
        {
            return _summaries;
        }

        _summaries = Aliases.Select(a =>
        {
            var layers = LayersOf(a.Name);
            return new LayerSummary(a.Name, a.Tensor, ShapeOf(a), layers.Sum(l => l.ParameterCount), layers.Count > 0 && layers.All(l => l.IsTrainable));
        }).ToArray();
        return _summaries;
    }

    /// <summary>
    /// A layer's (friendly or raw tensor name) output shape for one image of <see cref="Preprocessing"/>'s
    /// size, without the batch dimension, as <see cref="Forward"/> returns it.
    /// </summary>
    public IReadOnlyList<long> OutputShape(string layer) => ShapeOf(ResolveTensor(layer));

    /// <summary>
    /// A graph tensor's shape for one image, without the batch dimension. Found once by running the graph
    /// on zeros in evaluation mode (so no running statistic moves): the first call computes every friendly
    /// layer at once, each later tensor is remembered.
    /// </summary>
    internal long[] TensorShape(string tensor)
    {
        lock (_shapeGate)
        {
            if (!_tensorShapes.ContainsKey(tensor))
            {
                var wanted = _tensorShapes.Count == 0 ? Aliases.Select(a => a.Tensor).Append(tensor).Distinct().ToArray() : [tensor];
                foreach (var (name, shape) in RunOnZeros(wanted))
                {
                    _tensorShapes[name] = shape;
                }
            }

            return _tensorShapes[tensor].ToArray();
        }
    }

    /// <summary>Whether computing <paramref name="tensor"/> draws random numbers while training (dropout): then it is no pure function of the image.</summary>
    internal bool IsStochasticUpTo(string tensor) => Graph.NodesUpTo(tensor).Any(n => n.IsStochastic);

    /// <summary>The input of the random node (dropout) that produces <paramref name="tensor"/>, or the tensor itself (Chainer's fc6 and fc7 end in dropout).</summary>
    internal string BeforeStochasticNode(string tensor) =>
        Graph.NodesUpTo(tensor).LastOrDefault() is { IsStochastic: true } node && node.Proto.Output[0] == tensor
            ? node.Proto.Input[0]
            : tensor;

    public void Dispose() => Graph.Dispose();

    /// <summary>The graph tensor (and flattening) a friendly or raw layer name stands for.</summary>
    public LayerAlias Resolve(string name) => ResolveTensor(name);

    private long[] ShapeOf(LayerAlias alias)
    {
        long[] shape = TensorShape(alias.Tensor);
        return alias.Flatten ? [shape.Aggregate(1L, (p, d) => p * d)] : shape;
    }

    private Dictionary<string, long[]> RunOnZeros(IReadOnlyCollection<string> tensors)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool wasTraining = Graph.training;
        Graph.eval();
        try
        {
            var outputs = Graph.Run(zeros(1, 3, Preprocessing.Size, Preprocessing.Size), tensors);
            return outputs.ToDictionary(kv => kv.Key, kv => kv.Value.shape[1..], StringComparer.Ordinal);
        }
        finally
        {
            Graph.train(wasTraining);
        }
    }

    private LayerAlias ResolveTensor(string name) =>
        _aliases.TryGetValue(name, out var alias) ? alias
        : Graph.HasTensor(name) ? new LayerAlias(name, name)
        : throw UnknownLayer(name);

    private TenniException UnknownLayer(string name) =>
        new($"unknown layer '{name}' for model '{Descriptor.Name}'; available layers: {string.Join(", ", AvailableLayers)} (raw graph tensor and layer names are accepted too: see 'tenni layers --all')");
}
