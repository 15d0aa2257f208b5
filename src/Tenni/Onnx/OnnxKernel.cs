using static TorchSharp.torch;

namespace Tenni.Onnx;

/// <summary>How a node runs this time: the module's train/eval mode and whether the node's own layer is frozen.</summary>
/// <param name="Training">The graph module is in training mode (dropout active).</param>
/// <param name="LayerTrainable">Training, and the node's parameters receive gradients: only then does BatchNorm use batch statistics and update its running ones.</param>
internal readonly record struct KernelMode(bool Training, bool LayerTrainable);

/// <summary>The compiled form of one node: inputs in ONNX order (absent optional inputs are null), outputs in ONNX order.</summary>
internal delegate Tensor[] OnnxKernel(Tensor?[] inputs, KernelMode mode);

/// <summary>Compiles a node into a kernel at load time; attribute errors surface here, not mid-run.</summary>
internal delegate OnnxKernel OnnxOperatorFactory(OnnxNode node);

/// <summary>What an initializer feeding a given input slot becomes in the module.</summary>
internal enum InitializerRole
{
    /// <summary>A fixed tensor: shapes, pads, clip bounds.</summary>
    Constant,

    /// <summary>A trainable parameter (weights, biases).</summary>
    Parameter,

    /// <summary>State that is saved but not trained (BatchNorm running statistics).</summary>
    Buffer,
}
