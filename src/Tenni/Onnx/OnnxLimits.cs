namespace Tenni.Onnx;

/// <summary>Bounds on what an ONNX file may make Tenni allocate while it is loaded and its shapes are probed.</summary>
internal static class OnnxLimits
{
    /// <summary>
    /// The most elements one tensor may have when a node computes it from attributes or constants (Pad's
    /// pads, for one): 2^28 (1 GiB of float32). VGG16's largest activation for one 224×224 image holds
    /// 3.2 M elements, its largest weight 103 M.
    /// </summary>
    public const long MaxTensorElements = 1L << 28;

    /// <summary>The most dimensions a tensor of the file may have: 32 (ONNX Runtime's own limit is lower for most kernels).</summary>
    public const int MaxRank = 32;
}
