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

    /// <summary>
    /// The most elements a convolution's padded input or output may have for one image: 2^26 (256 MiB
    /// of float32), 20× VGG16's largest. Pads of 2,000 made one image's Conv output 3.5 GB.
    /// </summary>
    public const long MaxElementsPerImage = 1L << 26;

    /// <summary>The largest stride, dilation or pad a convolution may declare: a stride of 2^40 crashed libtorch (SIGFPE).</summary>
    public const long MaxSpatialAttribute = 1L << 16;

    /// <summary>The most dimensions a tensor of the file may have: 32 (ONNX Runtime's own limit is lower for most kernels).</summary>
    public const int MaxRank = 32;
}
