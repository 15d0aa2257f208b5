using Tenni.Imaging;
using Tenni.Native;
using Tenni.Onnx;
using Tenni.Onnx.Blocked;
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
    private readonly Dictionary<string, OnnxGraph> _frozenCopies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BlockedPlan?> _blockedPlans = new(StringComparer.Ordinal);
    private readonly Lock _frozenGate = new();
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

    /// <summary>
    /// The arithmetic of frozen layers, <see cref="Precision.Fp32"/> or <see cref="Precision.Bf16"/>
    /// (<see cref="SourceModelOptions.Precision"/> resolved for this model on this machine).
    /// </summary>
    public Precision Precision { get; private init; } = Precision.Fp32;

    /// <summary>Why <see cref="Precision"/> is what it is, in words.</summary>
    public string PrecisionReason { get; private init; } = "";

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
        var model = LoadGraph(name, options);

        // The parsed file is garbage now, and its weights were views of the mapped file (IO.MappedFile):
        // collecting it unmaps the file's 63 MB (ResNet18) before the images need the memory. The native
        // heap is not trimmed: what the load freed, the first batch reuses (docs/benchmarks.md, startup).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return model;
    }

    /// <summary>
    /// The preprocessing <see cref="Load"/> will give the model, when it is known without reading the
    /// weights (the bundled ResNet18); null otherwise. An unknown name fails here as it would there.
    /// </summary>
    internal static Preprocessing? PreprocessingBeforeLoad(string name, SourceModelOptions? options)
    {
        options ??= new SourceModelOptions();
        if (OnnxFileModel.IsPath(name) || ModelRegistry.Get(name) is not { WeightsDecidePreprocessing: false } descriptor)
        {
            return null;
        }

        return descriptor.PreprocessingFor(options.Preprocessing);
    }

    private static SourceModel LoadGraph(string name, SourceModelOptions? options)
    {
        options ??= new SourceModelOptions();
        TorchNative.EnsureLoaded();
        ModelDescriptor descriptor = ModelRegistry.Get(name);
        string weights = options.WeightsPath ?? descriptor.LocateWeights();
        LoadedWeights loaded = descriptor.ReadWeights(weights, options);
        var graph = OnnxGraph.FromModel(loaded.Model, options.ChannelsLast);
        graph.MoveTo(new Device(Devices.Check(options.Device)));
        var preprocessing = descriptor.PreprocessingFor(options.Preprocessing ?? loaded.Family);
        var (precision, reason) = PrecisionChoice.Resolve(options.Precision, descriptor);
        var model = new SourceModel(descriptor, graph, preprocessing)
        {
            Precision = precision,
            PrecisionReason = reason,
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
        string[] wanted = tensors.Select(t => t.Tensor).Distinct().ToArray();
        var outputs = wanted.All(IsFrozenUpTo) ? ComputeFrozen(batch, wanted) : Graph.Run(batch, wanted);
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
        ForgetFrozenCopies();
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

    /// <summary>
    /// Computes tensors whose every layer is frozen (<see cref="IsFrozenUpTo"/>) with an inference copy of
    /// those layers: BatchNorm folded into the convolutions, in <see cref="Precision"/>. Returns float32
    /// tensors whatever the precision, so that what follows (trained layers, the head) is float32.
    /// </summary>
    internal IReadOnlyDictionary<string, Tensor> ComputeFrozen(Tensor batch, IReadOnlyCollection<string> tensors)
    {
        foreach (string tensor in tensors.Where(t => !IsFrozenUpTo(t)))
        {
            throw new InvalidOperationException($"tensor '{tensor}' depends on a layer that trains, uses batch statistics or draws random numbers; it has no frozen copy");
        }

        if (BlockedPlanFor(tensors)?.Run(batch, tensors) is { } blocked)
        {
            return blocked;
        }

        OnnxGraph copy = FrozenCopy(tensors);
        using var noGrad = no_grad();
        var outputs = copy.Run(batch, tensors);
        return copy.Dtype == ScalarType.Float32
            ? outputs
            : outputs.ToDictionary(kv => kv.Key, kv => ToFloat32(kv.Value), StringComparer.Ordinal);
    }

    /// <summary>Builds the inference copy that <see cref="ComputeFrozen"/> will use for these tensors now, rather than at its first batch.</summary>
    internal void PrepareFrozen(IReadOnlyCollection<string> tensors)
    {
        if (tensors.All(IsFrozenUpTo) && BlockedPlanFor(tensors) is null)
        {
            _ = FrozenCopy(tensors);
        }
    }

    /// <summary>
    /// Whether everything that computes <paramref name="tensor"/> from the image is fixed: no parameter
    /// trains, no BatchNorm uses batch statistics, and (while training) no dropout runs on the way.
    /// </summary>
    internal bool IsFrozenUpTo(string tensor) =>
        Graph.LayersUpTo(tensor).All(l => !l.UsesBatchStatistics && l.parameters().All(p => !p.requires_grad))
        && (!Graph.training || !IsStochasticUpTo(tensor));

    /// <summary>
    /// The deepest friendly layer at or before <paramref name="cut"/> (or before its dropout) that only
    /// frozen, deterministic layers compute and from which the cut follows: where the activation cache
    /// stores rows and the frozen copy hands over to the layers that train. Null when the first layers train.
    /// </summary>
    internal (LayerAlias Layer, string Tensor)? FrozenLayerBefore(LayerAlias cut)
    {
        (LayerAlias, string)? best = null;
        foreach (LayerAlias alias in Aliases.Append(cut).DistinctBy(a => a.Tensor))
        {
            // A layer ending in dropout (Chainer's fc6, fc7) is taken before it: the dropout then runs
            // on the fly every step, as it would in the whole network.
            string tensor = BeforeStochasticNode(alias.Tensor);
            if (!Graph.LayersUpTo(tensor).All(l => l.parameters().All(p => !p.requires_grad) && !l.UsesBatchStatistics) || IsStochasticUpTo(tensor))
            {
                break;
            }

            if (Graph.IsComputableFrom(tensor, cut.Tensor))
            {
                best = (alias, tensor);
            }

            if (alias.Tensor == cut.Tensor)
            {
                break;
            }
        }

        return best;
    }

    /// <summary>Drops the frozen copies: they hold copies of weights that are about to change or to train.</summary>
    internal void ForgetFrozenCopies()
    {
        lock (_frozenGate)
        {
            foreach (OnnxGraph copy in _frozenCopies.Values)
            {
                copy.Dispose();
            }

            foreach (BlockedPlan? plan in _blockedPlans.Values)
            {
                plan?.Dispose();
            }

            _frozenCopies.Clear();
            _blockedPlans.Clear();
        }
    }

    public void Dispose()
    {
        ForgetFrozenCopies();
        Graph.Dispose();
    }

    internal OnnxGraph FrozenCopy(IReadOnlyCollection<string> tensors)
    {
        string key = FrozenKey(tensors);
        lock (_frozenGate)
        {
            if (!_frozenCopies.TryGetValue(key, out var copy))
            {
                copy = FrozenGraphBuilder.Build(Graph, tensors, Precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32).Graph;
                copy.MoveTo(Graph.Device);
                copy.eval();
                _frozenCopies[key] = copy;
            }

            return copy;
        }
    }

    /// <summary>
    /// Whether frozen layers may run in Tenni's own kernels (<see cref="BlockedPlan.Supported"/>; for bfloat16
    /// also <see cref="Bf16Convolution.Supported"/>); benchmarks turn it off to compare with libtorch.
    /// </summary>
    internal bool UseBlockedKernels { get; set; } = BlockedPlan.Supported;

    /// <summary>
    /// Whether bfloat16 frozen layers go to Tenni's kernel wherever its plan covers the graph (else libtorch's):
    /// a question of this machine and settings, answered without compiling anything.
    /// </summary>
    internal bool Bf16InOwnKernels => Precision == Precision.Bf16 && Graph.Device.type == TorchSharp.DeviceType.CPU && UseBlockedKernels && Bf16Convolution.Supported;

    /// <summary>Whether <see cref="ComputeFrozen"/> runs these tensors in Tenni's own kernels (for batches that fit them).</summary>
    internal bool RunsOwnKernels(IReadOnlyCollection<string> tensors) => tensors.All(IsFrozenUpTo) && BlockedPlanFor(tensors) is not null;

    // Frozen layers on an AVX-512 CPU run in Tenni's own kernels where they cover the graph (Onnx/Blocked:
    // faster than libtorch's there), float32 or, with AVX512_BF16, bfloat16; null where they do not, and
    // libtorch runs the copy. A bfloat16 plan is compiled from a float32 copy (BatchNorm folded in float32,
    // then rounded once, as the bfloat16 copy's weights are), dropped once compiled.
    internal BlockedPlan? BlockedPlanFor(IReadOnlyCollection<string> tensors)
    {
        bool bf16 = Precision == Precision.Bf16;
        if (bf16 ? !Bf16InOwnKernels : Graph.Device.type != TorchSharp.DeviceType.CPU || !UseBlockedKernels)
        {
            return null;
        }

        string key = FrozenKey(tensors);
        lock (_frozenGate)
        {
            if (!_blockedPlans.TryGetValue(key, out var plan))
            {
                if (bf16)
                {
                    using OnnxGraph fp32 = FrozenGraphBuilder.Build(Graph, tensors, ScalarType.Float32).Graph;
                    plan = BlockedPlan.TryCompile(fp32, tensors, out _, bf16: true);
                }
                else
                {
                    plan = BlockedPlan.TryCompile(FrozenCopy(tensors), tensors, out _);
                }

                _blockedPlans[key] = plan;
            }

            return plan;
        }
    }

    // One frozen copy (and one plan) per set of requested tensors.
    private static string FrozenKey(IReadOnlyCollection<string> tensors) => string.Join('\n', tensors.Order(StringComparer.Ordinal));

    private static Tensor ToFloat32(Tensor value)
    {
        Tensor result = value.to_type(ScalarType.Float32);
        value.Dispose();
        return result;
    }

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
