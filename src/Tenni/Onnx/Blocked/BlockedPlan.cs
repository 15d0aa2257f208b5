using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace Tenni.Onnx.Blocked;

/// <summary>
/// A frozen float32 graph run by Tenni's own AVX-512 kernels in the channel-blocked layout, where every
/// node it needs is one they cover (Conv, Relu, Add/Sum, MaxPool, AveragePool, GlobalAveragePool, Flatten,
/// Identity): ResNet to its pooled features. libtorch's float32 convolutions (oneDNN) ran ResNet18 at
/// 0.7–0.75× ONNX Runtime's speed on the project's machine; these run it at ONNX Runtime's speed
/// (docs/benchmarks.md). Convolutions take the ReLU, the residual addition and the pooling that follow them.
/// Compiled once per frozen copy; anything else, or a batch the compiled graph does not fit, returns null
/// and runs in libtorch as before.
/// </summary>
internal sealed unsafe class BlockedPlan : IDisposable
{
    private readonly List<Step> _steps;
    private readonly string _input;
    private readonly Dictionary<string, (string Source, bool Flatten)> _aliases;
    private readonly Dictionary<string, int> _pads;
    private readonly Dictionary<string, int> _lastUse = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentStack<Workspace> _workspaces = new();
    private readonly Lock _gate = new();
    private readonly ThreadScratch _converted;

    private BlockedPlan(string input, List<Step> steps, Dictionary<string, (string, bool)> aliases, Dictionary<string, int> pads, ThreadScratch converted)
    {
        (_input, _steps, _aliases, _pads, _converted) = (input, steps, aliases, pads, converted);
        for (int i = 0; i < steps.Count; i++)
        {
            foreach (string read in steps[i].Reads)
            {
                _lastUse[read] = i;
            }
        }
    }

    /// <summary>Whether this machine runs the kernels: AVX-512 with 512-bit vectors the JIT accelerates.</summary>
    public static bool Supported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated
        && Environment.GetEnvironmentVariable("TENNI_FP32_KERNELS") is not "libtorch";

    /// <summary>How many convolutions run by Winograd's transforms (tests check which kernel they exercise).</summary>
    internal int WinogradConvolutions => _steps.Count(s => s.Convolution is WinogradConvolution);

    /// <summary>How many convolutions run in bfloat16 (<see cref="Bf16Convolution"/>).</summary>
    internal int Bf16Convolutions => _steps.Count(s => s.Convolution is Bf16Convolution or Bf16RowWinogradConvolution);

    /// <summary>How many of those run by Winograd's transforms along rows (<see cref="Bf16RowWinogradConvolution"/>).</summary>
    internal int Bf16RowWinogradConvolutions => _steps.Count(s => s.Convolution is Bf16RowWinogradConvolution);

    /// <summary>For benchmarks: told each batch-wide step's index, what it computes and its seconds; the image-by-image phase is index -1.</summary>
    internal Action<int, string, double>? StepTimer { get; set; }

    /// <summary>The plan computing <paramref name="outputs"/> of a float32 frozen copy, or null (with the reason) where a node is not covered.</summary>
    /// <param name="winograd">Whether 3×3 stride-1 convolutions may run by Winograd's F(2×2, 3×3); benchmarks and tests turn it off to compare with the direct kernel.</param>
    /// <param name="bf16">
    /// Whether convolutions run in bfloat16 where <see cref="Bf16Convolution"/> covers them (every one but an
    /// RGB stem, which stays float32); the caller checks <see cref="Bf16Convolution.Supported"/>.
    /// </param>
    public static BlockedPlan? TryCompile(OnnxGraph graph, IReadOnlyCollection<string> outputs, out string reason, bool winograd = true, bool bf16 = false)
    {
        var order = graph.Nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var nodes = outputs.SelectMany(graph.NodesUpTo).Distinct().OrderBy(n => order[n]).ToList();
        var converted = new ThreadScratch();
        var compiler = new Compiler(graph, nodes, outputs.ToHashSet(StringComparer.Ordinal), winograd, bf16 ? converted : null);
        try
        {
            var steps = compiler.Compile();
            reason = "";
            return new BlockedPlan(graph.InputName, steps, compiler.Aliases, compiler.Pads(), converted);
        }
        catch (NotCoveredException e)
        {
            compiler.DisposeConvolutions();
            converted.Dispose();
            reason = e.Message;
            return null;
        }
    }

    /// <summary>The requested tensors (float32, NCHW) for a float32 NCHW batch on the CPU, or null when the batch does not fit the plan.</summary>
    public IReadOnlyDictionary<string, Tensor>? Run(Tensor batch, IReadOnlyCollection<string> outputs)
    {
        if (batch.dtype != ScalarType.Float32 || batch.device_type != TorchSharp.DeviceType.CPU || batch.dim() != 4)
        {
            return null;
        }

        lock (_gate)
        {
            var shapes = Shapes(batch);
            if (shapes is null)
            {
                return null;
            }

            return Execute(batch, outputs, shapes);
        }
    }

    public void Dispose()
    {
        foreach (var step in _steps)
        {
            step.Convolution?.Dispose();
        }

        while (_workspaces.TryPop(out var workspace))
        {
            workspace.Dispose();
        }

        _converted.Dispose();
    }

    private Dictionary<string, BlockedShape>? Shapes(Tensor batch)
    {
        int n = (int)batch.shape[0], c = (int)batch.shape[1], h = (int)batch.shape[2], w = (int)batch.shape[3];
        if (c % 16 != 0 && c >= 16)
        {
            return null;
        }

        var shapes = new Dictionary<string, BlockedShape>(StringComparer.Ordinal) { [_input] = new(n, c, h, w, PadOf(_input), c % 16 == 0 ? 16 : 1) };
        foreach (var step in _steps)
        {
            if (!step.Inputs.All(shapes.ContainsKey))
            {
                return null;
            }

            BlockedShape first = shapes[step.Inputs[0]];
            BlockedShape? shape = step.Kind switch
            {
                StepKind.Convolution when first.Channels == step.Convolution!.InChannels && first.Block == step.Convolution.InBlock =>
                    step.Convolution.OutputSize(first.Height, first.Width) is var (oh, ow) && oh > 0 && ow > 0
                        ? Pooled(step, new BlockedShape(n, step.Convolution.OutChannels, oh, ow, PadOf(step.Output), 16)) : null,
                StepKind.Pool when first.Block == 16 => Pooled(step, first with { Pad = PadOf(step.Output) }),
                StepKind.GlobalAverage when first.Block == 16 => first with { Height = 1, Width = 1, Pad = PadOf(step.Output) },
                StepKind.AddRelu when first.Block == 16 && step.Inputs.Skip(1).All(i => SameSize(shapes[i], first)) => first with { Pad = PadOf(step.Output) },
                _ => null,
            };
            if (shape is null || (step.Residual is { } r && (!shapes.TryGetValue(r, out var rs) || !SameSize(rs, shape.Value))))
            {
                return null;
            }

            shapes[step.Output] = shape.Value;
        }

        return shapes;
    }

    // The shape after the step's pooling (none: the shape itself); null where the window does not fit.
    private static BlockedShape? Pooled(Step step, BlockedShape shape)
    {
        if (step.Pool is not { } pool)
        {
            return shape;
        }

        int height = ((shape.Height + pool.Top + step.PoolEnd.Bottom - pool.Kernel.Y) / pool.Stride.Y) + 1;
        int width = ((shape.Width + pool.Left + step.PoolEnd.Right - pool.Kernel.X) / pool.Stride.X) + 1;
        return height > 0 && width > 0 ? shape with { Height = height, Width = width } : null;
    }

    private static bool SameSize(BlockedShape a, BlockedShape b) =>
        a.Channels == b.Channels && a.Height == b.Height && a.Width == b.Width && a.Block == b.Block;

    private int PadOf(string tensor) => _pads.GetValueOrDefault(tensor);

    // Two phases. The first layers (small weights, large activations) go image by image when the batch has
    // at least two images per thread: each thread runs one image through them in its own small buffers,
    // with no wait between layers and activations in the core's cache. The rest (large weights, small
    // activations: 9.4 MB of weights for 7×7 pixels) go layer by layer over the whole batch, both threads
    // on each layer, so that each weight read from the shared cache serves every image. A batch too small
    // to share out (prediction) goes layer by layer throughout.
    private Dictionary<string, Tensor> Execute(Tensor batch, IReadOnlyCollection<string> outputs, Dictionary<string, BlockedShape> batchShapes)
    {
        int threads = Math.Max(1, TorchSharp.torch.get_num_threads());
        int images = batchShapes[_input].Batch;
        var imageShapes = batchShapes.ToDictionary(kv => kv.Key, kv => kv.Value with { Batch = 1 }, StringComparer.Ordinal);
        int split = threads > 1 && images >= 2 * threads ? SplitStep(imageShapes) : 0;
        var sources = outputs.ToDictionary(o => o, o => _aliases.TryGetValue(o, out var a) ? a : (Source: o, Flatten: false), StringComparer.Ordinal);
        var kept = sources.Values.Select(s => s.Source).ToHashSet(StringComparer.Ordinal);
        Workspace batchSpace = TakeWorkspace();
        var held = new Dictionary<string, BlockedBuffer>(StringComparer.Ordinal);
        try
        {
            using (Tensor contiguous = batch.contiguous())
            {
                fixed (byte* input = contiguous.bytes)
                {
                    if (split == 0)
                    {
                        held[_input] = batchSpace.Rent(batchShapes[_input]);
                        BlockedOperations.FromNchw((float*)input, batchShapes[_input], held[_input].Data, threads);
                    }
                    else
                    {
                        long started = System.Diagnostics.Stopwatch.GetTimestamp();
                        ByImage((float*)input, split, imageShapes, batchShapes, kept, batchSpace, held, threads);
                        StepTimer?.Invoke(-1, $"steps 0–{split - 1} image by image", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                    }
                }
            }

            batchSpace.Run(this, split, batchShapes, held, kept, threads);
            var results = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, (source, flatten)) in sources)
            {
                BlockedShape shape = batchShapes[source];
                Tensor result = empty(shape.Batch, shape.Channels, shape.Height, shape.Width);
                BlockedOperations.ToNchw(shape, held[source].Data, (float*)Address(result));
                results[name] = flatten ? Flattened(result) : result;
            }

            return results;
        }
        finally
        {
            batchSpace.Release(held.Values);
            _workspaces.Push(batchSpace);
        }
    }

    // Steps [0, split) image by image, each image's tensors that later steps (or the caller) read copied
    // into batch buffers of the same layout.
    private void ByImage(float* input, int split, Dictionary<string, BlockedShape> imageShapes, Dictionary<string, BlockedShape> batchShapes, HashSet<string> kept, Workspace batchSpace, Dictionary<string, BlockedBuffer> held, int threads)
    {
        var crossing = _steps.Take(split).Select(s => s.Output).Append(_input)
            .Where(t => kept.Contains(t) || _steps.Skip(split).Any(s => s.Reads.Contains(t))).ToHashSet(StringComparer.Ordinal);
        foreach (string tensor in crossing)
        {
            held[tensor] = batchSpace.Rent(batchShapes[tensor]);
        }

        var targets = crossing.ToDictionary(t => t, t => (nint)held[t].Data, StringComparer.Ordinal);
        nint source = (nint)input;
        BlockedShape inShape = imageShapes[_input];
        long imageFloats = (long)inShape.Channels * inShape.Height * inShape.Width;
        Parallel.For(0, batchShapes[_input].Batch, new ParallelOptions { MaxDegreeOfParallelism = threads }, image =>
        {
            Workspace workspace = TakeWorkspace();
            var own = new Dictionary<string, BlockedBuffer>(StringComparer.Ordinal) { [_input] = workspace.Rent(inShape) };
            try
            {
                BlockedOperations.FromNchw((float*)source + (image * imageFloats), inShape, own[_input].Data, 1);
                workspace.Run(this, 0, split, imageShapes, own, crossing, 1);
                foreach (string tensor in crossing)
                {
                    long floats = imageShapes[tensor].ImageStride;
                    new ReadOnlySpan<float>(own[tensor].Data, (int)floats).CopyTo(new Span<float>((float*)targets[tensor] + (image * floats), (int)floats));
                }
            }
            finally
            {
                workspace.Release(own.Values);
                _workspaces.Push(workspace);
            }
        });
    }

    /// <summary>
    /// How many times its input's bytes a convolution's packed weights may weigh and still go image by image
    /// (<see cref="SplitStep"/>).
    /// Image by image, every image reads the weights again (from the shared cache) but its activations stay in
    /// the core's; layer by layer, the weights are read once a batch but the batch's activations stream
    /// through memory. Measured at batch 32 (docs/benchmarks.md, seventh round): the best split for
    /// bfloat16 is before ResNet18's 512-channel 3×3 layers (ratio 25; the layers before it up to 7), for
    /// float32 before its 256-channel ones (12.6; those before it up to 2.3): 10 gives both. The earlier
    /// rule (weights outnumbering the input's values) split both after the first stage, 11 % slower in
    /// bfloat16 and 6 % in float32.
    /// </summary>
    internal const long DefaultWeightsPerActivation = 10;

    /// <summary>The split's rule (<see cref="DefaultWeightsPerActivation"/>); tests set it to force a split in a small graph.</summary>
    internal long WeightsPerActivation { get; set; } = DefaultWeightsPerActivation;

    // The first convolution whose packed weights outweigh one image's input WeightsPerActivation times
    // (bytes): from there on, layer by layer.
    private int SplitStep(Dictionary<string, BlockedShape> imageShapes)
    {
        for (int i = 0; i < _steps.Count; i++)
        {
            if (_steps[i].Convolution is { } conv && conv.WeightBytes > WeightsPerActivation * imageShapes[_steps[i].Inputs[0]].ImageStride * sizeof(float))
            {
                return i;
            }
        }

        return _steps.Count;
    }

    // libtorch's memory: it does not move.
    private static nint Address(Tensor tensor)
    {
        fixed (byte* data = tensor.bytes)
        {
            return (nint)data;
        }
    }

    private Workspace TakeWorkspace() => _workspaces.TryPop(out var workspace) ? workspace : new Workspace();

    private static Tensor Flattened(Tensor result)
    {
        Tensor flat = result.flatten(1);
        result.Dispose();
        return flat;
    }

    /// <summary>
    /// One thread's activation buffers, reused from batch to batch (fresh memory costs page faults:
    /// docs/benchmarks.md): each tensor gets a buffer when a step writes it, and gives it back after the
    /// last step that reads it.
    /// </summary>
    private sealed class Workspace : IDisposable
    {
        private readonly List<BlockedBuffer> _free = [];

        /// <summary>Steps [<paramref name="first"/>, <paramref name="last"/>) over the tensors in <paramref name="held"/>, which ends holding their outputs and <paramref name="kept"/>.</summary>
        public void Run(BlockedPlan plan, int first, int last, Dictionary<string, BlockedShape> shapes, Dictionary<string, BlockedBuffer> held, HashSet<string> kept, int threads, bool timed = false)
        {
            for (int i = first; i < last; i++)
            {
                Step step = plan._steps[i];
                BlockedBuffer target = held[step.Output] = Rent(shapes[step.Output]);
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                step.Run(shapes, held, target, threads);
                if (timed && plan.StepTimer is { } timer)
                {
                    timer(i, step.Describe(shapes), System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                }

                foreach (string input in step.Reads.Distinct().Where(r => plan._lastUse[r] == i && !kept.Contains(r)))
                {
                    _free.Add(held[input]);
                    held.Remove(input);
                }
            }
        }

        public void Run(BlockedPlan plan, int first, Dictionary<string, BlockedShape> shapes, Dictionary<string, BlockedBuffer> held, HashSet<string> kept, int threads) =>
            Run(plan, first, plan._steps.Count, shapes, held, kept, threads, timed: true);

        public void Release(IEnumerable<BlockedBuffer> buffers) => _free.AddRange(buffers.Distinct());

        public void Dispose()
        {
            foreach (var buffer in _free)
            {
                buffer.Dispose();
            }

            _free.Clear();
        }

        // The smallest free buffer that holds the shape, else a new one; its border ring zeroed for the shape.
        public BlockedBuffer Rent(BlockedShape shape)
        {
            BlockedBuffer? best = null;
            foreach (var buffer in _free.Where(b => b.Capacity >= shape.Floats))
            {
                best = best is null || buffer.Capacity < best.Capacity ? buffer : best;
            }

            if (best is null)
            {
                return new BlockedBuffer(shape.Floats);
            }

            _free.Remove(best);
            best.ClearBorders(shape);
            return best;
        }
    }

    private enum StepKind
    {
        Convolution,
        Pool,
        GlobalAverage,
        AddRelu,
    }

    /// <summary>One kernel call: a node, or a convolution with the addition and ReLU it took in.</summary>
    private sealed class Step
    {
        public required StepKind Kind { get; init; }

        public required string[] Inputs { get; init; }

        public required string Output { get; set; }

        public IBlockedConvolution? Convolution { get; init; }

        public string? Residual { get; set; }

        public bool Relu { get; set; }

        /// <summary>The pooling the step ends with: a pooling node, or one a convolution took in.</summary>
        public PoolWindow? Pool { get; set; }

        /// <summary>The pooling's padding after each axis (it decides the output size only).</summary>
        public (int Bottom, int Right) PoolEnd { get; set; }

        public IEnumerable<string> Reads => Residual is null ? Inputs : Inputs.Append(Residual);

        public string Describe(Dictionary<string, BlockedShape> shapes)
        {
            BlockedShape input = shapes[Inputs[0]], output = shapes[Output];
            string fused = (Residual is null ? "" : " +residual") + (Relu ? " relu" : "") + (Pool is null ? "" : " pool");
            return Convolution is { } c
                ? $"conv {c.KernelHeight}×{c.KernelWidth}/{c.Stride.Y} {c.InChannels}→{c.OutChannels} {input.Height}²→{output.Height}²{fused}{c switch { WinogradConvolution => " (Winograd)", Bf16Convolution => " (bf16)", Bf16RowWinogradConvolution => " (bf16 row Winograd)", _ => "" }}"
                : $"{Kind} {input.Channels} {input.Height}²→{output.Height}²{fused}";
        }

        public void Run(Dictionary<string, BlockedShape> shapes, Dictionary<string, BlockedBuffer> held, BlockedBuffer target, int threads)
        {
            BlockedShape inShape = shapes[Inputs[0]], outShape = shapes[Output];
            float* input = held[Inputs[0]].Data;
            switch (Kind)
            {
                case StepKind.Convolution when Pool is { } pool && Convolution is Bf16Convolution bf16:
                    bf16.RunPooled(inShape, input, outShape, target.Data, pool, Relu, threads);
                    break;
                case StepKind.Convolution when Pool is { } pool:
                    ((DirectConvolution)Convolution!).RunPooled(inShape, input, outShape, target.Data, pool, Relu, threads);
                    break;
                case StepKind.Convolution:
                    var residualShape = Residual is null ? default : shapes[Residual];
                    Convolution!.Run(inShape, input, outShape, target.Data, residualShape, Residual is null ? null : held[Residual].Data, Relu, threads);
                    break;
                case StepKind.Pool:
                    BlockedOperations.Pool(inShape, input, outShape, target.Data, Pool!.Value, threads);
                    break;
                case StepKind.GlobalAverage:
                    BlockedOperations.GlobalAverage(inShape, input, outShape, target.Data);
                    break;
                default:
                    BlockedOperations.AddRelu(inShape, input, Inputs.Length > 1 ? shapes[Inputs[1]] : default, Inputs.Length > 1 ? held[Inputs[1]].Data : null, outShape, target.Data, Relu);
                    break;
            }
        }
    }

    /// <summary>The largest kernel, stride or pooling window the plan takes.</summary>
    private const int MaxWindow = 4096;

    private sealed class NotCoveredException(string message) : Exception(message);

    /// <summary>Turns nodes into steps, fusing each convolution with the Add and Relu that only it feeds.</summary>
    /// <param name="converted">Non-null: convolutions run in bfloat16 where they can, converting their inputs into these per-thread buffers.</param>
    private sealed class Compiler(OnnxGraph graph, List<OnnxNode> nodes, HashSet<string> outputs, bool winograd, ThreadScratch? converted)
    {
        private readonly List<Step> _steps = [];
        private readonly Dictionary<string, int> _consumers = nodes.SelectMany(n => n.Proto.Input).Where(i => i.Length > 0)
            .GroupBy(i => i, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        private readonly HashSet<string> _computed = new(StringComparer.Ordinal) { graph.InputName };

        public Dictionary<string, (string Source, bool Flatten)> Aliases { get; } = new(StringComparer.Ordinal);

        public List<Step> Compile()
        {
            for (int i = 0; i < nodes.Count; i++)
            {
                OnnxNode node = nodes[i];
                string[] inputs = node.Proto.Input.Where(n => n.Length > 0).Select(Source).ToArray();
                string output = node.Proto.Output[0];
                if (node.Proto.Output.Skip(1).Any(o => o.Length > 0))
                {
                    throw NotCovered(node, "a second output");
                }

                switch (node.OpType)
                {
                    case "Conv":
                        i = AddConvolution(i, node);
                        continue;
                    case "Relu":
                        Require(node, inputs, 1);
                        _steps.Add(new Step { Kind = StepKind.AddRelu, Inputs = inputs, Output = output, Relu = true });
                        break;
                    case "Add" or "Sum":
                        Require(node, inputs, 2);
                        _steps.Add(new Step { Kind = StepKind.AddRelu, Inputs = inputs, Output = output });
                        break;
                    case "MaxPool" or "AveragePool":
                        Require(node, inputs, 1);
                        _steps.Add(Pooling(node, inputs, output));
                        break;
                    case "GlobalAveragePool":
                        Require(node, inputs, 1);
                        _steps.Add(new Step { Kind = StepKind.GlobalAverage, Inputs = inputs, Output = output });
                        break;
                    case "Flatten" when node.Int("axis", 1) == 1 && inputs.Length == 1 && _computed.Contains(inputs[0]):
                        Aliases[output] = (inputs[0], true);
                        continue;
                    case "Identity" or "Dropout" when inputs.Length == 1 && !Aliases.ContainsKey(inputs[0]):
                        Aliases[output] = (inputs[0], false);
                        continue;
                    default:
                        throw NotCovered(node, "an operator the blocked kernels do not cover");
                }

                _computed.Add(output);
            }

            if (outputs.Any(o => !_computed.Contains(o) && !Aliases.ContainsKey(o)) || outputs.Contains(graph.InputName))
            {
                throw new NotCoveredException("an output the plan does not compute");
            }

            return _steps;
        }

        /// <summary>The border each tensor needs: the largest padding of the convolutions that read it.</summary>
        public Dictionary<string, int> Pads()
        {
            var pads = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var step in _steps.Where(s => s.Kind == StepKind.Convolution))
            {
                pads[step.Inputs[0]] = Math.Max(pads.GetValueOrDefault(step.Inputs[0]), step.Convolution!.InputPad);
            }

            return pads;
        }

        public void DisposeConvolutions()
        {
            foreach (var step in _steps)
            {
                step.Convolution?.Dispose();
            }
        }

        private string Source(string tensor) => Aliases.TryGetValue(tensor, out var alias) && !alias.Flatten ? alias.Source : tensor;

        private Step? Producer(string tensor) => _steps.LastOrDefault(s => s.Output == tensor);

        private void Require(OnnxNode node, string[] inputs, int count)
        {
            if (inputs.Length != count || inputs.Any(i => !_computed.Contains(i)))
            {
                throw NotCovered(node, $"inputs other than {count} activation(s)");
            }
        }

        private int AddConvolution(int index, OnnxNode node)
        {
            string[] inputs = node.Proto.Input.ToArray();
            if (inputs.Length < 2 || !_computed.Contains(Source(inputs[0])) || !graph.Initializers.TryGetValue(inputs[1], out Tensor? weight)
                || weight.dim() != 4 || node.Int("group", 1) != 1 || (node.Ints("dilations")?.Any(d => d != 1) ?? false)
                || node.String("auto_pad", "NOTSET") is not ("NOTSET" or "VALID"))
            {
                throw NotCovered(node, "a convolution shape the blocked kernels do not cover");
            }

            Tensor? bias = inputs.Length > 2 && inputs[2].Length > 0 ? graph.Initializers.GetValueOrDefault(inputs[2]) : null;
            if ((inputs.Length > 2 && inputs[2].Length > 0 && bias is null) || weight.dtype != ScalarType.Float32)
            {
                throw NotCovered(node, "a bias computed at run time, or weights that are not float32");
            }

            int outChannels = (int)weight.shape[0], inChannels = (int)weight.shape[1];
            if (!DirectConvolution.Covers(inChannels, outChannels))
            {
                throw NotCovered(node, $"{inChannels}→{outChannels} channels (the kernels take multiples of 16 in and 32 out)");
            }

            long[] strides = node.Ints("strides") ?? [1, 1];
            long[] pads = node.String("auto_pad", "NOTSET") == "VALID" ? [0, 0, 0, 0] : node.Ints("pads") ?? [0, 0, 0, 0];
            long[] kernel = [weight.shape[2], weight.shape[3]];
            if (strides.Length != 2 || pads.Length != 4 || !InRange(strides, 1) || pads.Any(p => p < 0 || p > 16) || !InRange(kernel, 1)
                || (node.Ints("kernel_shape") is { } declared && !declared.SequenceEqual(kernel)))
            {
                throw NotCovered(node, "strides, pads or a kernel size the kernels do not take, or a kernel_shape its weights do not have");
            }

            using var weightMemory = InPlace(weight, out bool channelsLast);
            var weights = channelsLast
                ? WeightView.ChannelsLast(Floats(weightMemory), inChannels, (int)kernel[0], (int)kernel[1])
                : WeightView.RowMajor(Floats(weightMemory), inChannels, (int)kernel[0], (int)kernel[1]);
            float[] biases = [];
            if (bias is not null)
            {
                using var biasMemory = InPlace(bias, out _);
                biases = Floats(biasMemory).ToArray();
            }
            (int Y, int X) stride = ((int)strides[0], (int)strides[1]);
            (int, int, int, int) padding = ((int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
            // bfloat16's Winograd is one-dimensional (Bf16RowWinogradConvolution says why).
            IBlockedConvolution convolution = converted is not null && winograd && Bf16RowWinogradConvolution.Covers(inChannels, outChannels, (int)kernel[0], (int)kernel[1], stride, padding)
                ? Bf16RowWinogradConvolution.Create(weights, biases, outChannels, inChannels, converted)
                : converted is not null && Bf16Convolution.Covers(inChannels, outChannels, stride)
                ? Bf16Convolution.Create(weights, biases, outChannels, inChannels, (int)kernel[0], (int)kernel[1], stride, padding, converted)
                : winograd && WinogradConvolution.Covers(inChannels, outChannels, (int)kernel[0], (int)kernel[1], stride, padding)
                ? WinogradConvolution.Create(weights, biases, outChannels, inChannels)
                : DirectConvolution.Create(weights, biases, outChannels, inChannels, (int)kernel[0], (int)kernel[1], stride, padding);
            var step = new Step { Kind = StepKind.Convolution, Inputs = [Source(inputs[0])], Output = node.Proto.Output[0], Convolution = convolution };
            _steps.Add(step);
            index = Fuse(step, index);
            _computed.Add(step.Output);
            return index;
        }

        // Conv → Add (the other operand already computed) → Relu, as far as each output goes to the next
        // node alone and is not asked for: the step then writes the last one's output.
        private int Fuse(Step step, int index)
        {
            if (index + 1 < nodes.Count && FeedsOnly(step.Output, nodes[index + 1]) && nodes[index + 1].OpType is "Add" or "Sum" && nodes[index + 1].Proto.Input.Count == 2)
            {
                string other = Source(nodes[index + 1].Proto.Input.First(i => i != step.Output));
                if (nodes[index + 1].Proto.Input.Count(i => i == step.Output) == 1 && _computed.Contains(other))
                {
                    step.Residual = other;
                    index++;
                    step.Output = nodes[index].Proto.Output[0];
                }
            }

            if (index + 1 < nodes.Count && FeedsOnly(step.Output, nodes[index + 1]) && nodes[index + 1].OpType == "Relu")
            {
                step.Relu = true;
                index++;
                step.Output = nodes[index].Proto.Output[0];
            }

            if (step.Residual is null && step.Convolution is DirectConvolution or Bf16Convolution && index + 1 < nodes.Count && FeedsOnly(step.Output, nodes[index + 1]) && nodes[index + 1].OpType is "MaxPool" or "AveragePool"
                && nodes[index + 1].Proto.Output.Count == 1)
            {
                (step.Pool, step.PoolEnd) = Window(nodes[index + 1]);
                index++;
                step.Output = nodes[index].Proto.Output[0];
            }

            return index;
        }

        private bool FeedsOnly(string tensor, OnnxNode next) =>
            _consumers.GetValueOrDefault(tensor) == 1 && next.Proto.Input.Contains(tensor) && !outputs.Contains(tensor);

        // A weight's memory as it lies, read in place: contiguous (row-major), or a channels-last tensor's
        // [O, kh, kw, I] memory (its permuted view is contiguous); anything else, a contiguous copy. No
        // element-by-element accessor (TorchSharp's took 0.3 s for ResNet18's 11.7 million weights) and no
        // reordered copy of every weight at every plan's compilation.
        private static Tensor InPlace(Tensor tensor, out bool channelsLast)
        {
            channelsLast = false;
            if (tensor.device_type != TorchSharp.DeviceType.CPU || tensor.dim() != 4 || tensor.is_contiguous())
            {
                return tensor.detach().cpu().contiguous();
            }

            var permuted = tensor.detach().permute(0, 2, 3, 1);
            if (permuted.is_contiguous())
            {
                channelsLast = true;
                return permuted;
            }

            permuted.Dispose();
            return tensor.detach().contiguous();
        }

        private static ReadOnlySpan<float> Floats(Tensor contiguous) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(contiguous.bytes);

        private Step Pooling(OnnxNode node, string[] inputs, string output)
        {
            var (window, end) = Window(node);
            return new Step { Kind = StepKind.Pool, Inputs = inputs, Output = output, Pool = window, PoolEnd = end };
        }

        private static (PoolWindow Window, (int Bottom, int Right) End) Window(OnnxNode node)
        {
            long[] kernel = node.Ints("kernel_shape") ?? [];
            long[] strides = node.Ints("strides") ?? [1, 1];
            long[] pads = node.Ints("pads") ?? [0, 0, 0, 0];
            if (kernel.Length != 2 || strides.Length != 2 || pads.Length != 4 || node.Int("ceil_mode", 0) != 0 || node.Int("storage_order", 0) != 0
                || pads.Any(p => p < 0) || pads[0] >= kernel[0] || pads[1] >= kernel[1]
                || (node.Ints("dilations")?.Any(d => d != 1) ?? false) || node.String("auto_pad", "NOTSET") != "NOTSET" || !InRange(kernel, 1) || !InRange(strides, 1))
            {
                throw NotCovered(node, "a pooling the kernels do not take");
            }

            var window = new PoolWindow(((int)kernel[0], (int)kernel[1]), ((int)strides[0], (int)strides[1]), (int)pads[0], (int)pads[1], node.OpType == "AveragePool", node.Int("count_include_pad", 0) != 0);
            return (window, ((int)pads[2], (int)pads[3]));
        }

        // Sizes a file declares are cast to int for the kernels: anything past MaxWindow (a hostile or broken
        // file) goes to libtorch, which reports it, rather than wrapping around into a plausible small size.
        private static bool InRange(long[] values, long least) => values.All(v => v >= least && v <= MaxWindow);

        private static NotCoveredException NotCovered(OnnxNode node, string what) => new($"node '{node.LayerName}' ({node.OpType}) has {what}");
    }
}
