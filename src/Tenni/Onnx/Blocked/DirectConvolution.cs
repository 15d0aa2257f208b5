using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tenni.Onnx.Blocked;

/// <summary>
/// A float32 convolution (groups 1, dilation 1) over blocked activations with AVX-512: each step of the
/// innermost loop multiplies one input channel of 7 neighbouring output pixels in each of two rows by the
/// weights of 32 output channels, accumulating 28 registers, so every weight loaded feeds 14 multiply-adds
/// and every input value 2. Bias, a residual addition and ReLU are applied to the sums, and a pooling
/// after the convolution can be taken in too, so the fused layers cost no pass over memory. Weights are
/// packed once, in the order the loop reads them.
/// </summary>
internal sealed unsafe class DirectConvolution : TiledConvolution
{
    /// <summary>Output pixels per tile: every spatial size of ResNet at 224² (112, 56, 28, 14, 7) is a multiple of it.</summary>
    public const int TileWidth = 7;

    private readonly ThreadScratch _scratch = new();
    private float* _weights;
    private float* _bias;

    private DirectConvolution(int inChannels, int outChannels, int kernelHeight, int kernelWidth, (int Y, int X) stride, (int Top, int Left, int Bottom, int Right) pads)
        : base(inChannels, outChannels, kernelHeight, kernelWidth, stride, pads)
    {
    }

    private long WeightsPerBlock => (long)(InChannels / InBlock) * KernelHeight * KernelWidth * InBlock * Lanes;

    public override long WeightBytes => OutChannels / Lanes * WeightsPerBlock * sizeof(float);

    /// <summary>Whether the kernels cover this shape: output channels a multiple of 32; input channels a multiple of 16, or fewer than 16.</summary>
    public static bool Covers(int inChannels, int outChannels) =>
        outChannels > 0 && outChannels % (2 * Lanes) == 0 && inChannels > 0 && (inChannels % Lanes == 0 || inChannels < Lanes);

    /// <summary>Packs weights [O, I, kh, kw] (float32) and the bias [O] (empty: zeros).</summary>
    public static DirectConvolution Create(WeightView weights, ReadOnlySpan<float> bias, int outChannels, int inChannels, int kernelHeight, int kernelWidth, (int Y, int X) stride, (int Top, int Left, int Bottom, int Right) pads)
    {
        if (!Covers(inChannels, outChannels))
        {
            throw new ArgumentException($"{inChannels}→{outChannels} channels are not covered by the blocked kernels");
        }

        var conv = new DirectConvolution(inChannels, outChannels, kernelHeight, kernelWidth, stride, pads);
        conv._weights = (float*)NativeMemory.AlignedAlloc((nuint)conv.WeightBytes, 64);
        conv._bias = TileSums.NativeBias(bias, outChannels);
        conv.Pack(weights);
        return conv;
    }

    // Once per convolution, for millions of weights: compiled optimised from the start, as tier-0 code it
    // cost a tenth of a second for ResNet18.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pack(WeightView weights)
    {
        float* packed = _weights;
        // [O/16][I/block][kh][kw][block][16]: the innermost loop walks it straight through.
        for (int ob = 0; ob < OutChannels / Lanes; ob++)
        {
            for (int ib = 0; ib < InChannels / InBlock; ib++)
            {
                for (int ky = 0; ky < KernelHeight; ky++)
                {
                    for (int kx = 0; kx < KernelWidth; kx++)
                    {
                        for (int ic = 0; ic < InBlock; ic++)
                        {
                            for (int oc = 0; oc < Lanes; oc++)
                            {
                                *packed++ = weights[(ob * Lanes) + oc, (ib * InBlock) + ic, ky, kx];
                            }
                        }
                    }
                }
            }
        }
    }

    public override void Run(BlockedShape inShape, float* input, BlockedShape outShape, float* output, BlockedShape residualShape, float* residual, bool relu, int threads)
    {
        int pixelStep = InBlock * Stride.X;
        var job = new RowJob(this, inShape, (nint)input, outShape, (nint)output, residualShape, (nint)residual, relu);
        int rows = outShape.Batch * Pairs * RowPairs(outShape.Height);
        switch (pixelStep)
        {
            case Lanes:
                BlockedOperations.For(rows, threads, job.Run<Step16>);
                break;
            case 2 * Lanes:
                BlockedOperations.For(rows, threads, job.Run<Step32>);
                break;
            case 2:
                BlockedOperations.For(rows, threads, job.Run<Step2>);
                break;
            default:
                BlockedOperations.For(rows, threads, job.Run<StepAny>);
                break;
        }
    }

    /// <summary>
    /// A 1×1 convolution's product (32 output channels from <paramref name="pair"/>, no bias) over 14 pixels
    /// laid out [input block][14][16 channels], added to <paramref name="sums"/>: 28 vectors, pixels 0–6 for
    /// the pair's first 16 channels, then for its second 16, then pixels 7–13 likewise. Winograd's
    /// products at one transformed position (<see cref="WinogradConvolution"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Multiply(float* pixels, int pair, Vector512<float>* sums) =>
        TwoRowTile<Step16>(pixels, TileWidth * Lanes, new BlockedShape(1, InChannels, 1, 2 * TileWidth, 0, Lanes), this, _weights + (2 * pair * WeightsPerBlock), sums);

    /// <summary>
    /// output = pool(relu?(conv(input) + bias)): the convolution's rows go through a per-thread scratch band
    /// straight into the pooling, never to memory (ResNet's stem: 103 MB at batch 32 written and read back).
    /// </summary>
    public void RunPooled(BlockedShape inShape, float* input, BlockedShape outShape, float* output, PoolWindow pool, bool relu, int threads)
    {
        var (height, width) = OutputSize(inShape.Height, inShape.Width);
        var job = new RowJob(this, inShape, (nint)input, outShape, (nint)output, default, 0, relu) { Pool = pool, ConvolvedHeight = height, ConvolvedWidth = width };
        int bands = outShape.Batch * Pairs * job.Bands;
        switch (InBlock * Stride.X)
        {
            case Lanes:
                BlockedOperations.For(bands, threads, job.Band<Step16>);
                break;
            case 2:
                BlockedOperations.For(bands, threads, job.Band<Step2>);
                break;
            default:
                BlockedOperations.For(bands, threads, job.Band<StepAny>);
                break;
        }
    }

    public override void Dispose()
    {
        _scratch.Dispose();
        NativeMemory.AlignedFree(_weights);
        NativeMemory.AlignedFree(_bias);
        _weights = null;
        _bias = null;
    }

    /// <summary>One output row of 32 channels of one image: its tiles, then their epilogue.</summary>
    private sealed class RowJob(DirectConvolution conv, BlockedShape inShape, nint input, BlockedShape outShape, nint output, BlockedShape residualShape, nint residual, bool relu)
    {
        public PoolWindow Pool { get; init; }

        public int ConvolvedHeight { get; init; }

        public int ConvolvedWidth { get; init; }

        public int Bands => PooledBand.Count(outShape);

        /// <summary>Two output rows (the last alone when the height is odd) of 32 channels of one image.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run<TStep>(int job)
            where TStep : struct, IPixelStep
        {
            int pairs = RowPairs(outShape.Height);
            int y = job % pairs * 2;
            int image = job / (conv.Pairs * pairs);
            int pair = job / pairs % conv.Pairs;
            Vector512<float>* sums = stackalloc Vector512<float>[4 * TileWidth];
            float* target = (float*)output + outShape.Offset(image, 2 * pair, y, 0);
            if (y + 1 == outShape.Height)
            {
                ConvolveRow<TStep>(image, pair, y, outShape.Width, target, outShape.PlaneStride, sums);
                return;
            }

            float* weights = conv._weights + (2 * pair * conv.WeightsPerBlock);
            long rowDistance = conv.Stride.Y * inShape.RowStride;
            for (int x = 0; x < outShape.Width; x += TileWidth)
            {
                int count = Math.Min(TileWidth, outShape.Width - x);
                Start(sums, image, 2 * pair, y, x, count);
                Start(sums + (2 * TileWidth), image, 2 * pair, y + 1, x, count);
                float* origin = (float*)input + inShape.Offset(image, 0, (y * conv.Stride.Y) - conv.Pads.Top, (x * conv.Stride.X) - conv.Pads.Left);
                TwoRowTile<TStep>(origin, rowDistance, inShape, conv, weights, sums);
                Store(sums, target + (x * Lanes), outShape.PlaneStride, count);
                Store(sums + (2 * TileWidth), target + outShape.RowStride + (x * Lanes), outShape.PlaneStride, count);
            }
        }

        /// <summary>One band of pooled rows of 32 channels of one image: the convolution rows it needs, then the pooling.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Band<TStep>(int band)
            where TStep : struct, IPixelStep
        {
            var job = new PooledBand(band, conv.Pairs, outShape, Pool, ConvolvedHeight, ConvolvedWidth);
            float* scratch = conv._scratch.Get(job.Shape.Floats);
            Vector512<float>* sums = stackalloc Vector512<float>[2 * TileWidth];
            for (int y = job.Top; y < job.Bottom; y++)
            {
                ConvolveRow<TStep>(job.Image, job.Pair, y, ConvolvedWidth, job.Row(scratch, y), job.Shape.PlaneStride, sums);
            }

            job.Pool(scratch, ConvolvedHeight, (float*)output, outShape, Pool);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ConvolveRow<TStep>(int image, int pair, int y, int width, float* target, long targetBlockStride, Vector512<float>* sums)
            where TStep : struct, IPixelStep
        {
            float* weights = conv._weights + (2 * pair * conv.WeightsPerBlock);
            for (int x = 0; x < width; x += TileWidth)
            {
                int count = Math.Min(TileWidth, width - x);
                Start(sums, image, 2 * pair, y, x, count);
                float* origin = (float*)input + inShape.Offset(image, 0, (y * conv.Stride.Y) - conv.Pads.Top, (x * conv.Stride.X) - conv.Pads.Left);
                Tile<TStep>(origin, inShape, conv, weights, sums);
                Store(sums, target + (x * Lanes), targetBlockStride, count);
            }
        }

        private void Start(Vector512<float>* sums, int image, int block, int y, int x, int count) =>
            TileSums.Start(sums, conv._bias + (block * Lanes), residual == 0 ? null : (float*)residual + residualShape.Offset(image, block, y, x), residualShape.PlaneStride, count);

        private void Store(Vector512<float>* sums, float* target, long blockStride, int count) => TileSums.Store(sums, target, blockStride, count, relu);
    }

    // The distance in floats between the input values of neighbouring output pixels, as a constant where
    // it is a common one: with it the JIT folds every offset into the load instruction (a variable distance
    // costs integer arithmetic per load: up to 1.2× slower a layer on the project's machine).
    private interface IPixelStep
    {
        static abstract int Floats { get; }
    }

    private struct Step16 : IPixelStep
    {
        public static int Floats => Lanes;
    }

    private struct Step32 : IPixelStep
    {
        public static int Floats => 2 * Lanes;
    }

    private struct Step2 : IPixelStep // planar input, stride 2: the stem of ResNet
    {
        public static int Floats => 2;
    }

    private struct StepAny : IPixelStep
    {
        public static int Floats => 0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TStep>(float* origin, BlockedShape inShape, DirectConvolution conv, float* weights, Vector512<float>* sums)
        where TStep : struct, IPixelStep
    {
        int step = TStep.Floats > 0 ? TStep.Floats : conv.InBlock * conv.Stride.X;
        long second = conv.WeightsPerBlock;
        var (a0, a1, a2, a3, a4, a5, a6) = (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6]);
        var (b0, b1, b2, b3, b4, b5, b6) = (sums[7], sums[8], sums[9], sums[10], sums[11], sums[12], sums[13]);
        float* w = weights;
        int blocks = conv.InChannels / conv.InBlock;
        int rowLength = conv.KernelWidth * conv.InBlock;
        for (int ib = 0; ib < blocks; ib++)
        {
            for (int ky = 0; ky < conv.KernelHeight; ky++)
            {
                // Within a kernel row, the input values (pixel-major, then channel) and the packed weights
                // ([kx][channel][16]) are both contiguous: one loop walks them together.
                float* p = origin + (ib * inShape.PlaneStride) + (ky * inShape.RowStride);
                float* end = p + rowLength;
                {
                    for (; p < end; p++, w += Lanes)
                    {
                        var wa = Vector512.Load(w);
                        var wb = Vector512.Load(w + second);
                        var v = Vector512.Create(p[0]);
                        a0 = Vector512.FusedMultiplyAdd(v, wa, a0);
                        b0 = Vector512.FusedMultiplyAdd(v, wb, b0);
                        v = Vector512.Create(p[step]);
                        a1 = Vector512.FusedMultiplyAdd(v, wa, a1);
                        b1 = Vector512.FusedMultiplyAdd(v, wb, b1);
                        v = Vector512.Create(p[2 * step]);
                        a2 = Vector512.FusedMultiplyAdd(v, wa, a2);
                        b2 = Vector512.FusedMultiplyAdd(v, wb, b2);
                        v = Vector512.Create(p[3 * step]);
                        a3 = Vector512.FusedMultiplyAdd(v, wa, a3);
                        b3 = Vector512.FusedMultiplyAdd(v, wb, b3);
                        v = Vector512.Create(p[4 * step]);
                        a4 = Vector512.FusedMultiplyAdd(v, wa, a4);
                        b4 = Vector512.FusedMultiplyAdd(v, wb, b4);
                        v = Vector512.Create(p[5 * step]);
                        a5 = Vector512.FusedMultiplyAdd(v, wa, a5);
                        b5 = Vector512.FusedMultiplyAdd(v, wb, b5);
                        v = Vector512.Create(p[6 * step]);
                        a6 = Vector512.FusedMultiplyAdd(v, wa, a6);
                        b6 = Vector512.FusedMultiplyAdd(v, wb, b6);
                    }
                }
            }
        }

        (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6]) = (a0, a1, a2, a3, a4, a5, a6);
        (sums[7], sums[8], sums[9], sums[10], sums[11], sums[12], sums[13]) = (b0, b1, b2, b3, b4, b5, b6);
    }

    // Tile's loop over two output rows at once: 28 sums, so every weight loaded feeds 14 multiply-adds
    // rather than 7. Deep layers (7×7 pixels, 2.4 MB of weights a layer per 512 channels) read their
    // weights from the shared cache for every image; halving those reads is what counts there.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoRowTile<TStep>(float* origin, long rowDistance, BlockedShape inShape, DirectConvolution conv, float* weights, Vector512<float>* sums)
        where TStep : struct, IPixelStep
    {
        int step = TStep.Floats > 0 ? TStep.Floats : conv.InBlock * conv.Stride.X;
        long second = conv.WeightsPerBlock;
        var (a0, a1, a2, a3, a4, a5, a6) = (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6]);
        var (b0, b1, b2, b3, b4, b5, b6) = (sums[7], sums[8], sums[9], sums[10], sums[11], sums[12], sums[13]);
        var (c0, c1, c2, c3, c4, c5, c6) = (sums[14], sums[15], sums[16], sums[17], sums[18], sums[19], sums[20]);
        var (d0, d1, d2, d3, d4, d5, d6) = (sums[21], sums[22], sums[23], sums[24], sums[25], sums[26], sums[27]);
        float* w = weights;
        int blocks = conv.InChannels / conv.InBlock;
        int rowLength = conv.KernelWidth * conv.InBlock;
        for (int ib = 0; ib < blocks; ib++)
        {
            for (int ky = 0; ky < conv.KernelHeight; ky++)
            {
                float* p = origin + (ib * inShape.PlaneStride) + (ky * inShape.RowStride);
                float* q = p + rowDistance;
                float* end = p + rowLength;
                for (; p < end; p++, q++, w += Lanes)
                {
                    var wa = Vector512.Load(w);
                    var wb = Vector512.Load(w + second);
                    var v = Vector512.Create(p[0]);
                    a0 = Vector512.FusedMultiplyAdd(v, wa, a0);
                    b0 = Vector512.FusedMultiplyAdd(v, wb, b0);
                    v = Vector512.Create(p[step]);
                    a1 = Vector512.FusedMultiplyAdd(v, wa, a1);
                    b1 = Vector512.FusedMultiplyAdd(v, wb, b1);
                    v = Vector512.Create(p[2 * step]);
                    a2 = Vector512.FusedMultiplyAdd(v, wa, a2);
                    b2 = Vector512.FusedMultiplyAdd(v, wb, b2);
                    v = Vector512.Create(p[3 * step]);
                    a3 = Vector512.FusedMultiplyAdd(v, wa, a3);
                    b3 = Vector512.FusedMultiplyAdd(v, wb, b3);
                    v = Vector512.Create(p[4 * step]);
                    a4 = Vector512.FusedMultiplyAdd(v, wa, a4);
                    b4 = Vector512.FusedMultiplyAdd(v, wb, b4);
                    v = Vector512.Create(p[5 * step]);
                    a5 = Vector512.FusedMultiplyAdd(v, wa, a5);
                    b5 = Vector512.FusedMultiplyAdd(v, wb, b5);
                    v = Vector512.Create(p[6 * step]);
                    a6 = Vector512.FusedMultiplyAdd(v, wa, a6);
                    b6 = Vector512.FusedMultiplyAdd(v, wb, b6);
                    v = Vector512.Create(q[0]);
                    c0 = Vector512.FusedMultiplyAdd(v, wa, c0);
                    d0 = Vector512.FusedMultiplyAdd(v, wb, d0);
                    v = Vector512.Create(q[step]);
                    c1 = Vector512.FusedMultiplyAdd(v, wa, c1);
                    d1 = Vector512.FusedMultiplyAdd(v, wb, d1);
                    v = Vector512.Create(q[2 * step]);
                    c2 = Vector512.FusedMultiplyAdd(v, wa, c2);
                    d2 = Vector512.FusedMultiplyAdd(v, wb, d2);
                    v = Vector512.Create(q[3 * step]);
                    c3 = Vector512.FusedMultiplyAdd(v, wa, c3);
                    d3 = Vector512.FusedMultiplyAdd(v, wb, d3);
                    v = Vector512.Create(q[4 * step]);
                    c4 = Vector512.FusedMultiplyAdd(v, wa, c4);
                    d4 = Vector512.FusedMultiplyAdd(v, wb, d4);
                    v = Vector512.Create(q[5 * step]);
                    c5 = Vector512.FusedMultiplyAdd(v, wa, c5);
                    d5 = Vector512.FusedMultiplyAdd(v, wb, d5);
                    v = Vector512.Create(q[6 * step]);
                    c6 = Vector512.FusedMultiplyAdd(v, wa, c6);
                    d6 = Vector512.FusedMultiplyAdd(v, wb, d6);
                }
            }
        }

        (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6]) = (a0, a1, a2, a3, a4, a5, a6);
        (sums[7], sums[8], sums[9], sums[10], sums[11], sums[12], sums[13]) = (b0, b1, b2, b3, b4, b5, b6);
        (sums[14], sums[15], sums[16], sums[17], sums[18], sums[19], sums[20]) = (c0, c1, c2, c3, c4, c5, c6);
        (sums[21], sums[22], sums[23], sums[24], sums[25], sums[26], sums[27]) = (d0, d1, d2, d3, d4, d5, d6);
    }
}
