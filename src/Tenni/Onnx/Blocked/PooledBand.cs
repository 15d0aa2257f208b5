namespace Tenni.Onnx.Blocked;

/// <summary>
/// One job of a convolution that takes in the pooling after it (ResNet's stem: its 103 MB activation at
/// batch 32 never goes to memory): a band of up to <see cref="Rows"/> pooled rows of 32 output channels of
/// one image. The convolution rows the band needs go to a per-thread scratch band, then the pooling reads
/// them. Shared by the float32 and bfloat16 kernels.
/// </summary>
internal readonly unsafe struct PooledBand
{
    /// <summary>Pooled output rows per band: a band's convolution rows stay in the core's cache.</summary>
    public const int Rows = 8;

    private const int Lanes = 16;

    /// <summary>Band <paramref name="band"/> of the job numbering image × channel pair × band.</summary>
    public PooledBand(int band, int pairs, BlockedShape outShape, PoolWindow pool, int convolvedHeight, int convolvedWidth)
    {
        int bands = Count(outShape);
        Image = band / (pairs * bands);
        Pair = band / bands % pairs;
        First = band % bands * Rows;
        Last = Math.Min(outShape.Height, First + Rows);
        Top = Math.Max(0, (First * pool.Stride.Y) - pool.Top);
        Bottom = Math.Min(convolvedHeight, ((Last - 1) * pool.Stride.Y) - pool.Top + pool.Kernel.Y);
        Shape = new BlockedShape(1, 2 * Lanes, Bottom - Top, convolvedWidth, 0, Lanes);
    }

    public int Image { get; }

    public int Pair { get; }

    /// <summary>The pooled rows [First, Last).</summary>
    public int First { get; }

    public int Last { get; }

    /// <summary>The convolution rows [Top, Bottom) they read.</summary>
    public int Top { get; }

    public int Bottom { get; }

    /// <summary>The scratch band: 32 channels (two blocks) of rows [Top, Bottom).</summary>
    public BlockedShape Shape { get; }

    /// <summary>Bands per image and channel pair.</summary>
    public static int Count(BlockedShape outShape) => (outShape.Height + Rows - 1) / Rows;

    /// <summary>Where convolution row <paramref name="y"/> goes in the scratch band.</summary>
    public float* Row(float* scratch, int y) => scratch + Shape.Offset(0, 0, y - Top, 0);

    /// <summary>Pools the band's rows from the scratch band into <paramref name="output"/>.</summary>
    public void Pool(float* scratch, int convolvedHeight, float* output, BlockedShape outShape, PoolWindow pool)
    {
        var convolved = Shape with { Height = convolvedHeight };
        float* origin = scratch - (Top * Shape.RowStride); // row y of the band at origin's row y
        for (int half = 0; half < 2; half++)
        {
            BlockedOperations.PoolRows(convolved, origin + (half * Shape.PlaneStride), First, Last, output + outShape.PlaneStart(Image, (2 * Pair) + half), outShape, pool);
        }
    }
}
