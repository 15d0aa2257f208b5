using Tenni.Onnx.Operators;

namespace Tenni.Onnx;

/// <summary>
/// The ONNX operators Tenni runs, each with its factory, what an initializer in each input slot becomes
/// and whether it draws random numbers. Opset differences are handled inside each factory (see <see cref="OnnxNode.Opset"/>).
/// </summary>
internal static class OnnxOperatorTable
{
    private static readonly Dictionary<string, Entry> Entries = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        ["Conv"] = new(ConvolutionOperators.Conv, Slots(("weight", InitializerRole.Parameter), ("bias", InitializerRole.Parameter))),
        ["BatchNormalization"] = new(NormalizationOperators.BatchNormalization, Slots(("weight", InitializerRole.Parameter), ("bias", InitializerRole.Parameter), ("running_mean", InitializerRole.Buffer), ("running_var", InitializerRole.Buffer))),
        ["LRN"] = new(NormalizationOperators.LocalResponseNormalization, []),
        ["Relu"] = new(ActivationOperators.Relu, []),
        ["LeakyRelu"] = new(ActivationOperators.LeakyRelu, []),
        ["Sigmoid"] = new(ActivationOperators.Sigmoid, []),
        ["Tanh"] = new(ActivationOperators.Tanh, []),
        ["Clip"] = new(ActivationOperators.Clip, []),
        ["Softmax"] = new(ActivationOperators.Softmax, []),
        ["LogSoftmax"] = new(ActivationOperators.LogSoftmax, []),
        ["MaxPool"] = new(PoolingOperators.MaxPool, []),
        ["AveragePool"] = new(PoolingOperators.AveragePool, []),
        ["GlobalAveragePool"] = new(PoolingOperators.GlobalAveragePool, []),
        ["GlobalMaxPool"] = new(PoolingOperators.GlobalMaxPool, []),
        ["Add"] = new(ElementwiseOperators.Add, Slots(("bias", InitializerRole.Parameter))),
        ["Sub"] = new(ElementwiseOperators.Sub, Slots(("offset", InitializerRole.Parameter))),
        ["Mul"] = new(ElementwiseOperators.Mul, Slots(("scale", InitializerRole.Parameter))),
        ["Div"] = new(ElementwiseOperators.Div, Slots(("divisor", InitializerRole.Parameter))),
        ["Sum"] = new(ElementwiseOperators.Sum, []),
        ["Gemm"] = new(LinearOperators.Gemm, Slots(("weight", InitializerRole.Parameter), ("bias", InitializerRole.Parameter))),
        ["MatMul"] = new(LinearOperators.MatMul, Slots(("weight", InitializerRole.Parameter))),
        ["Dropout"] = new(RegularizationOperators.Dropout, [], Stochastic: true),
        ["Concat"] = new(ShapeOperators.Concat, []),
        ["Split"] = new(ShapeOperators.Split, []),
        ["Flatten"] = new(ShapeOperators.Flatten, []),
        ["Reshape"] = new(ShapeOperators.Reshape, []),
        ["Transpose"] = new(ShapeOperators.Transpose, []),
        ["Squeeze"] = new(ShapeOperators.Squeeze, []),
        ["Unsqueeze"] = new(ShapeOperators.Unsqueeze, []),
        ["Identity"] = new(ShapeOperators.Identity, []),
        ["Gather"] = new(ShapeOperators.Gather, []),
        ["Pad"] = new(PadOperators.Pad, []),
        ["Constant"] = new(PadOperators.Constant, []),
        ["HardSigmoid"] = new(SmoothActivationOperators.HardSigmoid, []),
        ["HardSwish"] = new(SmoothActivationOperators.HardSwish, []),
        ["PRelu"] = new(SmoothActivationOperators.PRelu, Slots(("slope", InitializerRole.Parameter))),
        ["Elu"] = new(SmoothActivationOperators.Elu, []),
        ["Celu"] = new(SmoothActivationOperators.Celu, []),
        ["Selu"] = new(SmoothActivationOperators.Selu, []),
        ["Softplus"] = new(SmoothActivationOperators.Softplus, []),
        ["Softsign"] = new(SmoothActivationOperators.Softsign, []),
        ["ThresholdedRelu"] = new(SmoothActivationOperators.ThresholdedRelu, []),
        ["Pow"] = new(SmoothActivationOperators.Pow, []),
        ["LayerNormalization"] = new(LayerNormalization.Factory, Slots(("weight", InitializerRole.Parameter), ("bias", InitializerRole.Parameter))),
        ["ReduceMean"] = new(ReduceOperators.Mean, []),
        ["ReduceSum"] = new(ReduceOperators.Sum, []),
        ["ReduceMax"] = new(ReduceOperators.Max, []),
        ["ReduceMin"] = new(ReduceOperators.Min, []),
        ["ReduceProd"] = new(ReduceOperators.Prod, []),
        ["ReduceSumSquare"] = new(ReduceOperators.SumSquare, []),
        ["ReduceL1"] = new(ReduceOperators.L1, []),
        ["ReduceL2"] = new(ReduceOperators.L2, []),
        ["ReduceLogSum"] = new(ReduceOperators.LogSum, []),
        ["ReduceLogSumExp"] = new(ReduceOperators.LogSumExp, []),
        ["ArgMax"] = new(ReduceOperators.ArgMax, []),
        ["ArgMin"] = new(ReduceOperators.ArgMin, []),
        ["Resize"] = new(ResizeOperators.Resize, []),
        ["Upsample"] = new(ResizeOperators.Upsample, []),
        ["Shape"] = new(ShapeComputationOperators.Shape, []),
        ["Size"] = new(ShapeComputationOperators.Size, []),
        ["Cast"] = new(ShapeComputationOperators.Cast, []),
        ["Slice"] = new(ShapeComputationOperators.Slice, []),
        ["Expand"] = new(ShapeComputationOperators.Expand, []),
        ["ConstantOfShape"] = new(ShapeComputationOperators.ConstantOfShape, []),
        ["Range"] = new(ShapeComputationOperators.Range, []),
        ["Tile"] = new(ShapeComputationOperators.Tile, []),
        ["Equal"] = new(LogicalOperators.Equal, []),
        ["Less"] = new(LogicalOperators.Less, []),
        ["LessOrEqual"] = new(LogicalOperators.LessOrEqual, []),
        ["Greater"] = new(LogicalOperators.Greater, []),
        ["GreaterOrEqual"] = new(LogicalOperators.GreaterOrEqual, []),
        ["And"] = new(LogicalOperators.And, []),
        ["Or"] = new(LogicalOperators.Or, []),
        ["Xor"] = new(LogicalOperators.Xor, []),
        ["Where"] = new(LogicalOperators.Where, []),
        ["Min"] = new(LogicalOperators.Min, []),
        ["Max"] = new(LogicalOperators.Max, []),
        ["Mean"] = new(LogicalOperators.Mean, []),
        ["IsInf"] = new(UnaryOperators.IsInf, []),
        ["Gelu"] = new(SmoothActivationOperators.Gelu, []),
        ["InstanceNormalization"] = new(InstanceNormalization.Factory, Slots(("weight", InitializerRole.Parameter), ("bias", InitializerRole.Parameter))),
        ["GatherElements"] = new(IndexOperators.GatherElements, []),
        ["OneHot"] = new(IndexOperators.OneHot, []),
        ["CumSum"] = new(IndexOperators.CumSum, []),
        ["Hardmax"] = new(IndexOperators.Hardmax, []),
        ["Mod"] = new(IndexOperators.Mod, []),
        ["CastLike"] = new(IndexOperators.CastLike, []),
        ["DepthToSpace"] = new(LayoutOperators.DepthToSpace, []),
        ["SpaceToDepth"] = new(LayoutOperators.SpaceToDepth, []),
        ["Trilu"] = new(LayoutOperators.Trilu, []),
        ["EyeLike"] = new(LayoutOperators.EyeLike, []),
    }.Concat(UnaryOperators.Functions.Keys.Select(op => KeyValuePair.Create(op, new Entry(UnaryOperators.Factory, []))))
        .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>Every supported operator type, sorted.</summary>
    public static IReadOnlyList<string> Supported { get; } = Entries.Keys.Order(StringComparer.Ordinal).ToArray();

    public static bool IsSupported(string opType) => Entries.ContainsKey(opType);

    internal static OnnxKernel Compile(OnnxNode node)
    {
        if (node.Proto.Domain is not ("" or "ai.onnx"))
        {
            throw new TenniException($"ONNX node '{node.LayerName}' uses operator '{node.OpType}' from domain '{node.Proto.Domain}'; only the default ONNX domain is supported");
        }

        if (!Entries.TryGetValue(node.OpType, out var entry))
        {
            throw new TenniException($"ONNX node '{node.LayerName}' uses operator '{node.OpType}', which Tenni does not support; supported: {string.Join(", ", Supported)}");
        }

        return entry.Factory(node);
    }

    /// <summary>What an initializer at input <paramref name="slot"/> of <paramref name="opType"/> becomes, and its name in the layer.</summary>
    internal static (InitializerRole Role, string Name) SlotOf(string opType, int slot)
    {
        // Slot 0 is the data input of every operator here; the table lists slots 1.. in order.
        if (slot >= 1 && Entries.TryGetValue(opType, out var entry) && slot - 1 < entry.Slots.Length)
        {
            return entry.Slots[slot - 1];
        }

        return (InitializerRole.Constant, $"input{slot}");
    }

    /// <summary>Whether <paramref name="opType"/> draws random numbers while the module trains (dropout): its output is then not a function of its inputs alone.</summary>
    internal static bool IsStochastic(string opType) => Entries.TryGetValue(opType, out var entry) && entry.Stochastic;

    /// <summary>Whether <paramref name="opType"/> keeps running statistics: it has buffer slots (BatchNormalization's running mean and variance).</summary>
    internal static bool KeepsRunningStatistics(string opType) =>
        Entries.TryGetValue(opType, out var entry) && entry.Slots.Any(s => s.Role == InitializerRole.Buffer);

    private static (InitializerRole, string)[] Slots(params (string Name, InitializerRole Role)[] slots) =>
        slots.Select(s => (s.Role, s.Name)).ToArray();

    private sealed record Entry(OnnxOperatorFactory Factory, (InitializerRole Role, string Name)[] Slots, bool Stochastic = false);
}
