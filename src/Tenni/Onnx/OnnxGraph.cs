using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Tenni.Onnx;

/// <summary>
/// An ONNX graph run node by node with torch operations, as a trainable TorchSharp module. Initializers
/// become parameters and buffers of per-node <see cref="OnnxLayer"/>s; every node output can be asked for
/// by name, and a forward pass computes only the nodes the requested outputs depend on.
/// </summary>
public sealed class OnnxGraph : nn.Module<Tensor, Tensor>
{
    private readonly CompiledNode[] _nodes;
    private readonly Dictionary<string, int> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxLayer> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExecutionPlan> _plans = new(StringComparer.Ordinal);
    private readonly Lock _planGate = new();
    private readonly Dictionary<string, (OnnxLayer Layer, string Role, bool Parameter)> _bound = new(StringComparer.Ordinal);

    private OnnxGraph(ModelProto model, bool channelsLast, IReadOnlyDictionary<string, Tensor>? tensors = null, ScalarType dtype = ScalarType.Float32)
        : base("OnnxGraph")
    {
        var graph = model.Graph;
        long opset = OnnxModelFile.DefaultOpset(model);
        Opset = opset;
        ChannelsLast = channelsLast;
        Dtype = dtype;
        var initializerProtos = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var given = tensors ?? new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var inputs = graph.Input.Select(i => i.Name).Where(n => !initializerProtos.ContainsKey(n) && !given.ContainsKey(n)).ToArray();
        if (inputs.Length != 1)
        {
            throw new TenniException($"the ONNX graph has {inputs.Length} inputs ({string.Join(", ", inputs)}); Tenni runs graphs with exactly one image input");
        }

        InputName = inputs[0];
        InputInfo = graph.Input.First(i => i.Name == InputName);
        InputShape = graph.Input.First(i => i.Name == InputName).Type?.TensorType?.Shape?.Dim
            .Select(d => d.DimValue > 0 ? d.DimValue : -1).ToArray() ?? [];
        OutputNames = graph.Output.Select(o => o.Name).ToArray();

        var names = new HashSet<string>(StringComparer.Ordinal);
        var available = new HashSet<string>(initializerProtos.Keys.Concat(given.Keys), StringComparer.Ordinal) { InputName, "" };
        _nodes = new CompiledNode[graph.Node.Count];
        for (int i = 0; i < graph.Node.Count; i++)
        {
            NodeProto proto = graph.Node[i];
            string layerName = UniqueLayerName(proto, i, names);
            var node = new OnnxNode(proto, layerName, opset);
            foreach (string input in proto.Input.Where(n => !available.Contains(n)))
            {
                throw new TenniException($"ONNX node '{layerName}' ({proto.OpType}) reads tensor '{input}', which no earlier node produces; the graph is not topologically sorted or is incomplete");
            }

            // Given tensors belong to another graph: copied (by the cast to the graph's type, when there is one).
            BindInitializers(node, (name, weight) => initializerProtos.TryGetValue(name, out var proto) ? OnnxTensors.ToTorch(proto, channelsLast && weight)
                : given.TryGetValue(name, out var value) ? (dtype != ScalarType.Float32 ? value.detach() : value.detach().clone()) : null);
            _nodes[i] = new CompiledNode(node, OnnxOperatorTable.Compile(node));
            foreach (string output in proto.Output.Where(o => o.Length > 0))
            {
                _producer[output] = i;
                available.Add(output);
            }
        }

        TensorNames = _nodes.SelectMany(n => n.Node.Proto.Output.Where(o => o.Length > 0)).ToArray();
    }

    /// <summary>The graph's image input.</summary>
    public string InputName { get; }

    /// <summary>The input shape the file declares (-1 for symbolic dimensions); the batch dimension is not enforced.</summary>
    public IReadOnlyList<long> InputShape { get; }

    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Every node output, in execution order.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    /// <summary>The graph's nodes in execution order.</summary>
    internal IReadOnlyList<OnnxNode> Nodes => _nodes.Select(n => n.Node).ToArray();

    /// <summary>Layers (nodes with initializers) in graph order.</summary>
    public IReadOnlyCollection<OnnxLayer> Layers => _layers.Values;

    /// <summary>Whether 4-D activations and convolution weights use the channels-last (NHWC) memory layout.</summary>
    public bool ChannelsLast { get; }

    /// <summary>
    /// The floating-point type of parameters, buffers and activations: float32, or bfloat16 for an
    /// inference copy of frozen layers (<see cref="FrozenGraphBuilder"/>). The input is cast to it.
    /// </summary>
    public ScalarType Dtype { get; }

    /// <summary>The libtorch device of the graph's tensors; inputs on another device are moved to it.</summary>
    public Device Device { get; private set; } = CPU;

    /// <summary>The default-domain opset the graph was written for.</summary>
    internal long Opset { get; }

    /// <summary>The image input as the file declares it.</summary>
    internal ValueInfoProto InputInfo { get; }

    /// <summary>Loads an ONNX file; unsupported operators and malformed graphs are reported here, never mid-run.</summary>
    public static OnnxGraph Load(string path, bool channelsLast = false) => new(OnnxModelFile.Load(path), channelsLast);

    internal static OnnxGraph FromModel(ModelProto model, bool channelsLast = false) => new(model, channelsLast);

    /// <summary>A graph whose initializers are given as tensors (copied) instead of in the model, its parameters and buffers cast to <paramref name="dtype"/>.</summary>
    internal static OnnxGraph FromTensors(ModelProto model, IReadOnlyDictionary<string, Tensor> tensors, bool channelsLast, ScalarType dtype) =>
        new(model, channelsLast, tensors, dtype);

    /// <summary>
    /// Moves every parameter, buffer and constant to <paramref name="device"/> (cuda with a CUDA build of
    /// TorchSharp). The module's own <c>to</c> replaces parameter tensors, so the by-name table is rebuilt.
    /// </summary>
    internal void MoveTo(Device device)
    {
        if (device.type == Device.type && device.index == Device.index)
        {
            return;
        }

        this.to(device);
        foreach (string name in _initializers.Keys.ToArray())
        {
            _initializers[name] = _bound.TryGetValue(name, out var bound)
                ? bound.Parameter ? bound.Layer.named_parameters().First(p => p.name == bound.Role).parameter : bound.Layer.named_buffers().First(b => b.name == bound.Role).buffer
                : _initializers[name].to(device).DetachFromDisposeScope();
        }

        Device = device;
    }

    public OnnxLayer Layer(string name) => _layers.TryGetValue(name, out var layer)
        ? layer
        : throw new TenniException($"unknown layer '{name}'; layers: {string.Join(", ", _layers.Keys)}");

    public bool HasTensor(string name) => _producer.ContainsKey(name) || name == InputName;

    /// <summary>The layers whose nodes are needed to compute <paramref name="tensor"/>.</summary>
    public IEnumerable<OnnxLayer> LayersUpTo(string tensor) =>
        Plan([tensor], [InputName]).Steps.Select(i => _nodes[i].Node.LayerName).Where(_layers.ContainsKey).Select(n => _layers[n]);

    /// <summary>Current values of the graph's initializers by their ONNX names (trained parameters included).</summary>
    internal IReadOnlyDictionary<string, Tensor> Initializers => _initializers;

    /// <summary>The nodes needed to compute <paramref name="tensor"/> from the image input.</summary>
    internal IEnumerable<OnnxNode> NodesUpTo(string tensor) => Plan([tensor], [InputName]).Steps.Select(i => _nodes[i].Node);

    /// <summary>Whether <paramref name="target"/> can be computed from <paramref name="from"/> alone (a clean cut of the graph).</summary>
    internal bool IsComputableFrom(string from, string target)
    {
        try
        {
            Plan([target], [from]);
            return true;
        }
        catch (TenniException)
        {
            return false;
        }
    }

    /// <summary>The graph's first output.</summary>
    public override Tensor forward(Tensor input) => Run(input, [OutputNames[0]])[OutputNames[0]];

    /// <summary>
    /// Computes the named tensors (node outputs) for <paramref name="input"/>, running only the nodes they
    /// depend on. Intermediate tensors are released as soon as no later node needs them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Run(Tensor input, IReadOnlyCollection<string> tensors) =>
        Run(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [InputName] = input }, tensors);

    /// <summary>
    /// Computes the named tensors from tensors given by name (the image input, or an intermediate
    /// tensor such as a cached activation): only the nodes between them run.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> given, IReadOnlyCollection<string> tensors)
    {
        ExecutionPlan plan = Plan(tensors, given.Keys.ToArray());
        var values = given.ToDictionary(kv => kv.Key, kv => ToLayout(kv.Value), StringComparer.Ordinal);
        var converted = values.Where(kv => !ReferenceEquals(kv.Value, given[kv.Key])).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var results = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string name in tensors.Where(values.ContainsKey))
        {
            results[name] = values[name];
        }

        foreach (int index in plan.Steps)
        {
            CompiledNode node = _nodes[index];
            var arguments = new Tensor?[node.Node.Proto.Input.Count];
            for (int i = 0; i < arguments.Length; i++)
            {
                string name = node.Node.Proto.Input[i];
                arguments[i] = name.Length == 0 ? null : values.TryGetValue(name, out var v) ? v : _initializers[name];
            }

            bool layerTrainable = training && _layers.TryGetValue(node.Node.LayerName, out var layer) && layer.UsesBatchStatistics;
            Tensor[] outputs = RunKernel(node, arguments, new KernelMode(training, layerTrainable));
            for (int i = 0; i < outputs.Length && i < node.Node.Proto.Output.Count; i++)
            {
                string name = node.Node.Proto.Output[i];
                if (tensors.Contains(name))
                {
                    results[name] = outputs[i];
                }

                if (plan.LastUse.ContainsKey(name))
                {
                    values[name] = outputs[i];
                }
                else if (!results.ContainsKey(name))
                {
                    outputs[i].Dispose();
                }
            }

            foreach (string finished in plan.ReleaseAfter[index])
            {
                // The caller's own tensors are never disposed here; layout copies made of them are.
                if (values.Remove(finished, out var done) && !results.ContainsKey(finished) && (!given.ContainsKey(finished) || converted.Contains(finished)))
                {
                    done.Dispose();
                }
            }
        }

        return results;
    }

    // A node whose attributes or constants do not fit its inputs fails inside torch; the error names the node.
    private static Tensor[] RunKernel(CompiledNode node, Tensor?[] arguments, KernelMode mode)
    {
        try
        {
            return node.Kernel(arguments, mode);
        }
        catch (Exception e) when (e is not TenniException and not OutOfMemoryException and not OperationCanceledException)
        {
            throw node.Node.Error($"cannot run on inputs of shapes {string.Join(", ", arguments.Select(a => a is null ? "none" : $"[{string.Join(", ", a.shape)}]"))}: {e.Message.Split('\n')[0]}");
        }
    }

    private Tensor ToLayout(Tensor input)
    {
        if (input.device_type != Device.type)
        {
            input = input.to(Device);
        }

        bool cast = Dtype != ScalarType.Float32 && input.dtype == ScalarType.Float32;
        if (!ChannelsLast || input.dim() != 4)
        {
            return cast ? input.to_type(Dtype) : input;
        }

        // One copy: the cast (if any) and the reordering to NHWC happen in the same pass.
        using Tensor nhwc = cast ? input.permute(0, 2, 3, 1).to_type(Dtype).contiguous() : input.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }

    private ExecutionPlan Plan(IReadOnlyCollection<string> tensors, IReadOnlyCollection<string> given)
    {
        string key = string.Join('\n', tensors.Order(StringComparer.Ordinal)) + "\0" + string.Join('\n', given.Order(StringComparer.Ordinal));
        lock (_planGate)
        {
            if (!_plans.TryGetValue(key, out var plan))
            {
                plan = BuildPlan(tensors, given.ToHashSet(StringComparer.Ordinal));
                _plans[key] = plan;
            }

            return plan;
        }
    }

    private ExecutionPlan BuildPlan(IReadOnlyCollection<string> tensors, HashSet<string> given)
    {
        var needed = new SortedSet<int>();
        var pending = new Stack<string>();
        foreach (string name in tensors)
        {
            if (!HasTensor(name))
            {
                throw new TenniException($"the graph has no tensor '{name}'; node outputs: {string.Join(", ", TensorNames.Take(20))}{(TensorNames.Count > 20 ? ", …" : "")}");
            }

            pending.Push(name);
        }

        while (pending.TryPop(out string? name))
        {
            if (given.Contains(name))
            {
                continue;
            }

            if (!_producer.TryGetValue(name, out int index))
            {
                throw new TenniException($"tensor '{name}' cannot be computed from the given tensors ({string.Join(", ", given)})");
            }

            if (needed.Add(index))
            {
                foreach (string input in _nodes[index].Node.Proto.Input.Where(i => i.Length > 0 && !_initializers.ContainsKey(i)))
                {
                    pending.Push(input);
                }
            }
        }

        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (int index in needed)
        {
            foreach (string input in _nodes[index].Node.Proto.Input.Where(i => i.Length > 0 && !_initializers.ContainsKey(i)))
            {
                lastUse[input] = index;
            }
        }

        foreach (string name in given)
        {
            lastUse.TryAdd(name, -1);
        }

        var release = needed.ToDictionary(i => i, _ => new List<string>());
        foreach (var (name, index) in lastUse.Where(kv => kv.Value >= 0))
        {
            release[index].Add(name);
        }

        return new ExecutionPlan(needed.ToArray(), lastUse, release);
    }

    // `initializer` reads a tensor by name; its flag says whether the slot holds a weight (a parameter or
    // buffer), which a file's bytes may give in the channels-last layout directly. Constants keep theirs.
    private void BindInitializers(OnnxNode node, Func<string, bool, Tensor?> initializer)
    {
        for (int slot = 0; slot < node.Proto.Input.Count; slot++)
        {
            string name = node.Proto.Input[slot];
            var (role, roleName) = OnnxOperatorTable.SlotOf(node.OpType, slot);
            if (_initializers.ContainsKey(name) || initializer(name, role != InitializerRole.Constant) is not { } read)
            {
                continue;
            }

            Tensor value = read.DetachFromDisposeScope();
            if (role != InitializerRole.Constant && value.dtype != ScalarType.Float32)
            {
                role = InitializerRole.Constant;
            }

            if (role == InitializerRole.Constant)
            {
                _initializers[name] = value;
                continue;
            }

            if (Dtype != ScalarType.Float32)
            {
                value = Replace(value, value.to_type(Dtype)); // a new tensor: a detached view of another graph's weight stays theirs
            }

            if (ChannelsLast && value.dim() == 4 && !(value.stride(1) == 1 && value.stride(3) == value.shape[1]))
            {
                value = Replace(value, value.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2));
            }

            if (!_layers.TryGetValue(node.LayerName, out var layer))
            {
                layer = new OnnxLayer(node.LayerName, node.OpType);
                _layers[node.LayerName] = layer;
                register_module(node.LayerName, layer);
            }

            layer.Add(roleName, value, role);
            _bound[name] = (layer, roleName, role == InitializerRole.Parameter);
            _initializers[name] = role == InitializerRole.Parameter
                ? layer.named_parameters().First(p => p.name == roleName).parameter
                : layer.named_buffers().First(b => b.name == roleName).buffer;
        }
    }

    // The weights are large: the value they replace is freed now rather than by the finalizer.
    private static Tensor Replace(Tensor old, Tensor replacement)
    {
        replacement.DetachFromDisposeScope();
        old.Dispose();
        return replacement;
    }

    private static string UniqueLayerName(NodeProto node, int index, HashSet<string> taken)
    {
        // Module names cannot hold '.', which TorchSharp uses as the path separator.
        string baseName = node.Name.Length > 0 ? node.Name.Replace('.', '_').Replace('/', '_') : $"{node.OpType}_{index}";
        string name = baseName;
        for (int n = 1; !taken.Add(name); n++)
        {
            name = $"{baseName}_{n}";
        }

        return name;
    }

    private sealed record CompiledNode(OnnxNode Node, OnnxKernel Kernel);

    private sealed record ExecutionPlan(int[] Steps, Dictionary<string, int> LastUse, Dictionary<int, List<string>> ReleaseAfter);
}
