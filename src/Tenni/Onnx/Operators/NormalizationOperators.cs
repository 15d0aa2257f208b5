using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Tenni.Onnx.Operators;

/// <summary>BatchNormalization (follows the module's mode and the layer's frozen state) and LRN.</summary>
internal static class NormalizationOperators
{
    public static OnnxKernel BatchNormalization(OnnxNode node)
    {
        // spatial=0 (before opset 9) means statistics per activation, shaped [C, H, W]. MXNet's exporter wrote
        // spatial=0 with per-channel [C] statistics (the ONNX model zoo's first ResNet v1 files): those are
        // per-channel, as MXNet computed them, so they run as spatial=1. ONNX Runtime refuses such files.
        bool perActivation = node.Opset < 9 && node.Int("spatial", 1) == 0;

        if (node.Proto.Output.Skip(1).Any(o => o.Length > 0))
        {
            throw node.Error("BatchNormalization's training outputs (running mean and variance) are not supported as graph outputs");
        }

        double epsilon = node.Float("epsilon", 1e-5f);

        // ONNX: running = running * momentum + batch * (1 - momentum); torch's momentum is the other weight.
        double torchMomentum = 1.0 - node.Float("momentum", 0.9f);
        return (inputs, mode) =>
            perActivation && inputs[1]!.dim() != 1
                ? throw node.Error($"spatial=0 with per-activation statistics of shape [{string.Join(", ", inputs[1]!.shape)}] is not supported; only per-channel statistics (shape [C])")
                : [F.batch_norm(inputs[0]!, inputs[3]!, inputs[4]!, inputs[1], inputs[2], mode.LayerTrainable, torchMomentum, epsilon)];
    }

    /// <summary>LRN (spec: operators.md#LRN): sum of squares over channels [c - floor((size-1)/2), c + ceil((size-1)/2)].</summary>
    public static OnnxKernel LocalResponseNormalization(OnnxNode node)
    {
        long size = node.Int("size", 0);
        if (size <= 0)
        {
            throw node.Error("size must be a positive integer");
        }

        double alpha = node.Float("alpha", 1e-4f);
        double beta = node.Float("beta", 0.75f);
        double bias = node.Float("bias", 1f);
        long before = (size - 1) / 2;
        long after = size - 1 - before;
        return (inputs, _) =>
        {
            Tensor x = inputs[0]!;
            long[] shape = x.shape;
            Tensor squares = x.square().reshape(shape[0], 1, shape[1], shape[2], -1);
            Tensor padded = F.pad(squares, [0, 0, 0, 0, before, after]);
            Tensor mean = F.avg_pool3d(padded, [size, 1, 1], [1, 1, 1]).reshape(shape);
            return [x / (mean * alpha + bias).pow(beta)];
        };
    }
}
