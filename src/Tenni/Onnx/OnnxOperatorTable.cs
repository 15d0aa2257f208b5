using Tenni.Onnx.Operators;

namespace Tenni.Onnx;

/// <summary>
/// The ONNX operators Tenni runs, each with its factory, what an initializer in each input slot becomes
/// and whether it draws random numbers. Opset differences are handled inside each factory (see <see cref="OnnxNode.Opset"/>).
/// </summary>
internal static class OnnxOperatorTable
{
    private static readonly Dictionary<string, Entry> Entries = new()
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
    };

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
