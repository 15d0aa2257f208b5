namespace Tenni.IO.Weights;

/// <summary>
/// Reads a strided view (element offset, shape, strides) of a flat buffer in C order: PyTorch stores a
/// tensor as a view of a storage, and a Fortran-order .npy array is a view with column-major strides.
/// </summary>
internal static class StridedView
{
    public static long[] ContiguousStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long step = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = step;
            step *= shape[d];
        }

        return strides;
    }

    public static long[] FortranStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long step = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            strides[d] = step;
            step *= shape[d];
        }

        return strides;
    }

    /// <summary>True when the view walks its elements in order; strides of size-1 dimensions do not matter.</summary>
    public static bool IsContiguous(long[] shape, long[] strides)
    {
        long step = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && strides[d] != step)
            {
                return false;
            }

            step *= shape[d];
        }

        return true;
    }

    /// <summary>The number of elements of <paramref name="shape"/>; a damaged shape whose product overflows is a <see cref="FormatException"/>.</summary>
    public static long Count(long[] shape)
    {
        try
        {
            return shape.Aggregate(1L, (p, d) => d < 0 ? throw new FormatException($"negative dimension {d}") : checked(p * d));
        }
        catch (OverflowException)
        {
            throw new FormatException($"shape [{string.Join(", ", shape)}] has more elements than a 64-bit count holds");
        }
    }

    /// <summary>Fails unless every element of the view lies inside a buffer of <paramref name="length"/> elements.</summary>
    public static void CheckBounds(long length, long offset, long[] shape, long[] strides, string what)
    {
        if (shape.Length != strides.Length || offset < 0 || shape.Any(d => d < 0) || strides.Any(s => s < 0))
        {
            throw new FormatException($"{what} has an invalid layout (offset {offset}, size [{string.Join(", ", shape)}], stride [{string.Join(", ", strides)}])");
        }

        if (shape.Any(d => d == 0))
        {
            return;
        }

        long last = offset;
        for (int d = 0; d < shape.Length; d++)
        {
            last = checked(last + ((shape[d] - 1) * strides[d]));
        }

        if (last >= length)
        {
            throw new FormatException($"{what} reaches element {last} of a storage of {length}");
        }
    }

    /// <summary>The view's elements in C order, in a new array.</summary>
    public static float[] Gather(float[] source, long offset, long[] shape, long[] strides)
    {
        long count = shape.Aggregate(1L, (p, d) => p * d);
        var result = new float[count];
        if (count == 0)
        {
            return result;
        }

        if (IsContiguous(shape, strides))
        {
            Array.Copy(source, offset, result, 0, count);
            return result;
        }

        var index = new long[shape.Length];
        long at = offset;
        for (long i = 0; i < count; i++)
        {
            result[i] = source[at];
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                index[d]++;
                at += strides[d];
                if (index[d] < shape[d])
                {
                    break;
                }

                at -= strides[d] * shape[d];
                index[d] = 0;
            }
        }

        return result;
    }
}
