using TorchSharp;
using static TorchSharp.torch;

namespace Tenni.Onnx;

/// <summary>
/// The parameters and buffers of one ONNX node (a layer), registered under their roles
/// (<c>weight</c>, <c>bias</c>, <c>running_mean</c>, …) so they can be frozen, trained and saved by name.
/// </summary>
public sealed class OnnxLayer : nn.Module
{
    internal OnnxLayer(string name, string opType)
        : base(name)
    {
        OpType = opType;
        HoldsBatchStatistics = OnnxOperatorTable.KeepsRunningStatistics(opType);
    }

    /// <summary>The ONNX operator of the node that owns this layer's tensors.</summary>
    public string OpType { get; }

    /// <summary>
    /// True when the layer keeps running statistics that normalising with batch statistics updates
    /// (BatchNormalization's running mean and variance), as the operator table declares.
    /// </summary>
    public bool HoldsBatchStatistics { get; }

    /// <summary>True when the layer has parameters and every one of them receives gradients.</summary>
    public bool IsTrainable
    {
        get
        {
            var parameters = this.parameters().ToList();
            return parameters.Count > 0 && parameters.All(p => p.requires_grad);
        }
    }

    /// <summary>
    /// Whether a layer that <see cref="HoldsBatchStatistics"/> normalises with batch statistics (and updates
    /// its running ones) while the module trains. Null, the default: only when its own parameters are trainable.
    /// </summary>
    public bool? BatchStatistics { get; internal set; }

    /// <summary>Whether training mode normalises with batch statistics and updates the running ones; never for layers without them.</summary>
    internal bool UsesBatchStatistics => HoldsBatchStatistics && (BatchStatistics ?? IsTrainable);

    /// <summary>Number of trainable-kind values (parameters, not buffers).</summary>
    public long ParameterCount => this.parameters().Sum(p => p.numel());

    /// <summary>Chainer's <c>enable_update()</c> / <c>disable_update()</c>.</summary>
    public void SetTrainable(bool trainable)
    {
        foreach (var p in parameters())
        {
            // Trained weights go back to the standard layout: optimizer state is created like its
            // parameter, and TorchSharp can only save contiguous state tensors.
            if (trainable && !p.is_contiguous())
            {
                using var noGrad = torch.no_grad();
                using var standard = p.contiguous();
                p.set_(standard);
            }

            p.requires_grad = trainable;
        }
    }

    internal void Add(string role, Tensor value, InitializerRole kind)
    {
        if (kind == InitializerRole.Parameter)
        {
            register_parameter(role, new TorchSharp.Modules.Parameter(value, requires_grad: true));
        }
        else
        {
            register_buffer(role, value);
        }
    }
}
