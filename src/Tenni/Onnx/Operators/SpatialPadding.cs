namespace Tenni.Onnx.Operators;

/// <summary>Resolves ONNX <c>pads</c> / <c>auto_pad</c> for convolution and pooling into begin and end pads per spatial axis.</summary>
internal static class SpatialPadding
{
    public static void Check(OnnxNode node, int spatialRank)
    {
        string autoPad = node.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
        {
            throw node.Error($"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        }

        long[]? pads = node.Ints("pads");
        if (pads is not null && pads.Length != 2 * spatialRank)
        {
            throw node.Error($"pads has {pads.Length} values; expected {2 * spatialRank} (begin and end for {spatialRank} spatial axes)");
        }
    }

    /// <summary>Begin and end pads per spatial axis for an input of the given spatial size (spec: Conv, "auto_pad").</summary>
    public static (long[] Begin, long[] End) Resolve(OnnxNode node, ReadOnlySpan<long> inputSize, long[] kernel, long[] strides, long[] dilations)
    {
        int rank = kernel.Length;
        var begin = new long[rank];
        var end = new long[rank];
        string autoPad = node.String("auto_pad", "NOTSET");
        if (autoPad == "NOTSET")
        {
            long[] pads = node.Ints("pads") ?? new long[2 * rank];
            Array.Copy(pads, 0, begin, 0, rank);
            Array.Copy(pads, rank, end, 0, rank);
        }
        else if (autoPad != "VALID")
        {
            for (int i = 0; i < rank; i++)
            {
                long output = (inputSize[i] + strides[i] - 1) / strides[i];
                long extent = ((kernel[i] - 1) * dilations[i]) + 1;
                long total = Math.Max(0, ((output - 1) * strides[i]) + extent - inputSize[i]);
                long small = total / 2;
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
            }
        }

        return (begin, end);
    }

    public static bool IsSymmetric(long[] begin, long[] end) => begin.AsSpan().SequenceEqual(end);

    /// <summary>
    /// Asymmetric pads whose extra end padding no window reaches (CNTK's [1,1,0,0] on even inputs) give
    /// the same result as padding <paramref name="begin"/> on both sides: torch's kernels can then pad
    /// for free instead of copying the input. Returns begin when that holds, else null.
    /// </summary>
    public static long[]? AsSymmetric(long[] begin, long[] end, ReadOnlySpan<long> inputSize, long[] kernel, long[] strides, long[] dilations)
    {
        for (int i = 0; i < begin.Length; i++)
        {
            if (end[i] > begin[i])
            {
                return null;
            }

            long extent = ((kernel[i] - 1) * dilations[i]) + 1;
            long asymmetric = ((inputSize[i] + begin[i] + end[i] - extent) / strides[i]) + 1;
            long symmetric = ((inputSize[i] + (2 * begin[i]) - extent) / strides[i]) + 1;
            if (asymmetric != symmetric)
            {
                return null;
            }
        }

        return begin;
    }

    /// <summary>torch's pad list: last axis first, (begin, end) pairs.</summary>
    public static long[] ToTorchPad(long[] begin, long[] end)
    {
        var pad = new long[2 * begin.Length];
        for (int i = 0; i < begin.Length; i++)
        {
            int axis = begin.Length - 1 - i;
            pad[2 * i] = begin[axis];
            pad[(2 * i) + 1] = end[axis];
        }

        return pad;
    }

    public static long[] Ones(int rank) => Enumerable.Repeat(1L, rank).ToArray();
}
