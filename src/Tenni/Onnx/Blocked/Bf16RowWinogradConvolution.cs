using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tenni.Onnx.Blocked;

/// <summary>
/// A 3×3, stride 1, padding 1 bfloat16 convolution by Winograd's F(2, 3) along each row only: every two
/// neighbouring output pixels of a row come from four transformed values of their four input pixels, so each
/// kernel row costs 4 multiplies per pair of outputs instead of 6 (1.5× fewer). The transforms are one
/// dimensional, so they stay cheap beside products twice as fast as float32's: the input transform replaces
/// the direct kernel's float32 → bfloat16 pass (one pass over the input, each input row transformed once for
/// all three kernel rows), and the output transform (two additions a pixel) runs in the tile's epilogue, on
/// sums still in the core's cache. The products at each of the 4 positions are a 3×1 convolution over the
/// transformed rows, run by the bfloat16 tile of <see cref="Bf16Convolution"/>.
/// </summary>
/// <remarks>
/// Not F(2×2, 3×3) as <see cref="WinogradConvolution"/>: its two-dimensional transforms cost float32 work
/// per 4×4 patch that the bfloat16 products no longer hide (measured no faster than direct at 64 and 128
/// channels: docs/benchmarks.md, sixth round). Rounding: the transformed inputs (sums or differences of two
/// pixels) and weights are rounded to bfloat16, the products summed in float32 (tests: against ONNX Runtime).
/// What made it pay: the epilogue walks its pixels without a division each, jobs go pair-major (a pair's
/// transformed weights serve every image of the batch while in cache), and the tile's sums start from the
/// bias and residual as the direct kernel's do. Transformed pixels with all their channels side by side (a
/// longer inner loop) measured slower than 16-channel blocks, and 32-channel blocks no faster. F(2×2, 3×3)
/// in the same shape (16 positions, sums from the corners) was no faster at batch 32 on 256 and 512 channels
/// and slower at batch 1: twice the transformed input and 8 MiB of weights a 512-channel layer to stream.
/// </remarks>
internal sealed unsafe class Bf16RowWinogradConvolution : WinogradShape
{
    private const int Positions = 4;

    /// <summary>Fewer input channels give each job too few products beside its transforms to gain on direct.</summary>
    private const int MinChannels = 64;

    private const int Width = DirectConvolution.TileWidth;

    /// <summary>Output pixel pairs per job: the bfloat16 tile's 14 pixels.</summary>
    private const int GroupPairs = 2 * Width;

    /// <summary>Bytes of packed weights per step of the tile loop: two input channels × 32 output channels.</summary>
    private const int StepBytes = 128;

    private readonly ThreadScratch _transformed;
    private readonly delegate* unmanaged<Bf16Convolution.TileArgs*, Vector512<float>*, void> _tile;
    private ushort* _weights;
    private float* _bias;

    private Bf16RowWinogradConvolution(int inChannels, int outChannels, ThreadScratch transformed)
        : base(inChannels, outChannels)
    {
        _transformed = transformed;
        _tile = Bf16Convolution.Tile(Bf16TileCode.Step32);
    }

    private int ChannelPairs => OutChannels / (2 * Lanes);

    /// <summary>Packed bytes per pair of output blocks and position: input channels / 2 steps × 3 kernel rows.</summary>
    private long WeightBytesPerPair => 3L * (InChannels / 2) * StepBytes;

    public override long WeightBytes => Positions * ChannelPairs * WeightBytesPerPair;

    /// <summary>
    /// Whether this takes the convolution: 3×3, stride 1, padding 1 on every side, at least 64 input channels
    /// (a multiple of 16) and multiples of 32 out (docs/benchmarks.md, seventh round: 1.1× direct at 64
    /// channels, 1.3× at 256 and 512).
    /// </summary>
    public static bool Covers(int inChannels, int outChannels, int kernelHeight, int kernelWidth, (int Y, int X) stride, (int Top, int Left, int Bottom, int Right) pads) =>
        HasShape(inChannels, kernelHeight, kernelWidth, stride, pads) && inChannels >= MinChannels && Bf16Convolution.Covers(inChannels, outChannels, stride);

    /// <summary>
    /// Transforms weights [O, I, 3, 3] (float32) once, each kernel row g by G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
    /// into 4 positions, and packs them as bfloat16; the bias [O] (empty: zeros). <paramref name="transformed"/>
    /// holds each thread's transformed input, shared by the plan's bfloat16 convolutions.
    /// </summary>
    public static Bf16RowWinogradConvolution Create(WeightView weights, ReadOnlySpan<float> bias, int outChannels, int inChannels, ThreadScratch transformed)
    {
        if (!Covers(inChannels, outChannels, 3, 3, (1, 1), (1, 1, 1, 1)))
        {
            throw new ArgumentException($"{inChannels}→{outChannels} channels are not covered by the bfloat16 Winograd kernel");
        }

        var conv = new Bf16RowWinogradConvolution(inChannels, outChannels, transformed);
        conv._weights = (ushort*)NativeMemory.AlignedAlloc((nuint)conv.WeightBytes, 64);
        conv._bias = TileSums.NativeBias(bias, outChannels);
        conv.Pack(weights);
        return conv;
    }

    // [position][O/32][I/16][kernel row][8 steps][32 outputs][2 inputs]: the tile loop's order, one step per
    // pair of channels of a 16-channel block; each kernel row (g0, g1, g2) → g0, (g0 + g1 + g2) / 2,
    // (g0 − g1 + g2) / 2, g2 (in double).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pack(WeightView weights)
    {
        long positionElements = ChannelPairs * WeightBytesPerPair / sizeof(ushort);
        ushort* packed = _weights;
        for (int pair = 0; pair < ChannelPairs; pair++)
        {
            for (int block = 0; block < InChannels; block += Lanes)
            {
                for (int ky = 0; ky < 3; ky++)
                {
                    for (int i = block; i < block + Lanes; i += 2)
                    {
                        for (int oc = 0; oc < 2 * Lanes; oc++)
                        {
                            for (int e = 0; e < 2; e++, packed++)
                            {
                                int o = (pair * 2 * Lanes) + oc;
                                double g0 = weights[o, i + e, ky, 0], g1 = weights[o, i + e, ky, 1], g2 = weights[o, i + e, ky, 2];
                                packed[0] = Bf16Convolution.ToBf16((float)g0);
                                packed[positionElements] = Bf16Convolution.ToBf16((float)((g0 + g1 + g2) / 2));
                                packed[2 * positionElements] = Bf16Convolution.ToBf16((float)((g0 - g1 + g2) / 2));
                                packed[3 * positionElements] = Bf16Convolution.ToBf16((float)g2);
                            }
                        }
                    }
                }
            }
        }
    }

    public override void Run(BlockedShape inShape, float* input, BlockedShape outShape, float* output, BlockedShape residualShape, float* residual, bool relu, int threads)
    {
        var layout = new Layout(inShape, InChannels);
        ushort* transformed = (ushort*)_transformed.Get((layout.Elements + 1) / 2);
        var transform = new TransformJob(inShape, (nint)input, layout, (nint)transformed);
        BlockedOperations.For(inShape.Batch * layout.Blocks * layout.Rows, threads, transform.Run);
        var job = new GroupJob(this, layout, (nint)transformed, outShape, (nint)output, residualShape, (nint)residual, relu);
        BlockedOperations.For(job.Jobs, threads, job.Run);
    }

    public override void Dispose()
    {
        NativeMemory.AlignedFree(_weights);
        NativeMemory.AlignedFree(_bias);
        _weights = null;
        _bias = null;
    }

    /// <summary>
    /// Where the transformed input lies (bfloat16 elements): [image][position][input block][row][pair][16],
    /// rows −1 … height (the zero rows above and below the plane included), pairs of columns with no border
    /// between rows: the products read no neighbour along a row, so a job's 14 pixel pairs may run on past a
    /// row's end into the next row.
    /// </summary>
    private readonly record struct Layout(BlockedShape Input, int Channels)
    {
        public int Blocks => Channels / Lanes;

        public int Pairs => (Input.Width + 1) / 2;

        public int Rows => Input.Height + 2;

        public long RowStride => (long)Pairs * Lanes;

        public long PlaneStride => Rows * RowStride;

        public long PositionStride => Blocks * PlaneStride;

        public long ImageStride => Positions * PositionStride;

        /// <summary>The batch's elements, and a tile's reads past the last row (two rows and 14 pairs).</summary>
        public long Elements => (Input.Batch * ImageStride) + (2 * RowStride) + (GroupPairs * Lanes);
    }

    /// <summary>One input row of one block of one image, transformed: d0 − d2, d1 + d2, d2 − d1, d1 − d3 over each pair's four pixels.</summary>
    private sealed class TransformJob(BlockedShape inShape, nint input, Layout layout, nint transformed)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int job)
        {
            int row = job % layout.Rows, block = job / layout.Rows % layout.Blocks, image = job / (layout.Rows * layout.Blocks);
            float* source = (float*)input + inShape.Offset(image, block, row - 1, -1);
            ushort* target = (ushort*)transformed + (image * layout.ImageStride) + (block * layout.PlaneStride) + (row * layout.RowStride);
            long position = layout.PositionStride;
            var d0 = Vector512.Load(source);
            var d1 = Vector512.Load(source + Lanes);
            for (int pair = 0; pair < layout.Pairs; pair++, source += 2 * Lanes, target += Lanes)
            {
                // The next pair's first two pixels are this one's last two.
                var d2 = Vector512.Load(source + (2 * Lanes));
                var d3 = Vector512.Load(source + (3 * Lanes));
                Bf16Convolution.ToBf16(d0 - d2).Store(target);
                Bf16Convolution.ToBf16(d1 + d2).Store(target + position);
                Bf16Convolution.ToBf16(d2 - d1).Store(target + (2 * position));
                Bf16Convolution.ToBf16(d1 - d3).Store(target + (3 * position));
                (d0, d1) = (d2, d3);
            }
        }
    }

    /// <summary>14 output pixel pairs (numbered row after row) of 32 output channels of one image: the products at the 4 positions, then the output transform.</summary>
    private sealed class GroupJob(Bf16RowWinogradConvolution conv, Layout layout, nint transformed, BlockedShape outShape, nint output, BlockedShape residualShape, nint residual, bool relu)
    {
        private const int Sums = 4 * Width;

        private readonly int _groups = ((outShape.Height * layout.Pairs) + GroupPairs - 1) / GroupPairs;

        private int ChannelPairs => conv.ChannelPairs;

        public int Jobs => outShape.Batch * ChannelPairs * _groups;

        // Y = Aᵀ m with Aᵀ = [1 1 1 0; 0 1 −1 −1]: the left pixel m0 + m1 + m2, the right one m1 − m2 − m3. The
        // sums start at the bias plus the residual (in m0 for the left pixel, negated in m3 for the right),
        // read before the products as the direct kernel reads them (TileSums.Start says why). The tile's 28
        // sums of a position: rows of 7 pairs, each row's two halves of 16 channels.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit] // the sums are set below: no 7 KB zeroing a job
        public void Run(int job)
        {
            // Pair-major: a pair's transformed weights serve every image before the next pair's are read.
            int group = job % _groups, image = job / _groups % outShape.Batch, pair = job / (_groups * outShape.Batch);
            int first = group * GroupPairs;
            int count = Math.Min(GroupPairs, (outShape.Height * layout.Pairs) - first);
            Vector512<float>* m = stackalloc Vector512<float>[Positions * Sums];
            for (int i = Sums; i < 3 * Sums; i++)
            {
                m[i] = Vector512<float>.Zero;
            }

            for (int half = 0; half < 2; half++)
            {
                var bias = Vector512.Load(conv._bias + (((2 * pair) + half) * Lanes));
                var walk = residual == 0 ? default : new PairWalk(residualShape, (float*)residual, image, (2 * pair) + half, first, layout.Pairs);
                for (int row = 0, k = 0; row < 2; row++)
                {
                    for (int i = 0; i < Width; i++, k++)
                    {
                        int slot = (row * 2 * Width) + (half * Width) + i;
                        if (residual != 0 && k < count)
                        {
                            m[slot] = bias + Vector512.Load(walk.Left);
                            m[(3 * Sums) + slot] = -(walk.HasRight ? bias + Vector512.Load(walk.Left + Lanes) : bias);
                            walk.Next();
                        }
                        else
                        {
                            m[slot] = bias;
                            m[(3 * Sums) + slot] = -bias;
                        }
                    }
                }
            }

            var args = new Bf16Convolution.TileArgs
            {
                RowDistance = Width * Lanes * sizeof(ushort),
                PlaneStride = layout.PlaneStride * sizeof(ushort),
                RowStride = layout.RowStride * sizeof(ushort),
                RowLength = Lanes * sizeof(ushort),
                Blocks = layout.Blocks,
                KernelHeight = 3,
            };
            ushort* origin = (ushort*)transformed + (image * layout.ImageStride) + (first * (long)Lanes);
            nint weights = (nint)conv._weights + (nint)(pair * conv.WeightBytesPerPair);
            for (int position = 0; position < Positions; position++)
            {
                args.Origin = (nint)(origin + (position * layout.PositionStride));
                args.Weights = weights + (nint)(position * conv.ChannelPairs * conv.WeightBytesPerPair);
                conv._tile(&args, m + (position * Sums));
            }

            for (int half = 0; half < 2; half++)
            {
                var walk = new PairWalk(outShape, (float*)output, image, (2 * pair) + half, first, layout.Pairs);
                for (int row = 0, k = 0; row < 2 && k < count; row++)
                {
                    Vector512<float>* sums = m + (row * 2 * Width) + (half * Width);
                    for (int i = 0; i < Width && k < count; i++, k++, walk.Next())
                    {
                        var (m0, m1, m2, m3) = (sums[i], sums[Sums + i], sums[(2 * Sums) + i], sums[(3 * Sums) + i]);
                        Store(m0 + m1 + m2, walk.Left);
                        if (walk.HasRight)
                        {
                            Store(m1 - m2 - m3, walk.Left + Lanes);
                        }
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(Vector512<float> value, float* target) =>
            (relu ? Vector512.Max(value, Vector512<float>.Zero) : value).Store(target);
    }

    /// <summary>A pixel pair's left pixel in one block's plane, stepped pair by pair along the rows without a division or an offset product a pair.</summary>
    private struct PairWalk
    {
        private readonly long _rowStride;
        private readonly int _width;
        private float* _row;
        private int _x;

        public PairWalk(BlockedShape shape, float* data, int image, int block, int first, int pairs)
        {
            (_rowStride, _width) = (shape.RowStride, shape.Width);
            _x = first % pairs * 2;
            _row = data + shape.Offset(image, block, first / pairs, 0);
        }

        /// <summary>The left pixel.</summary>
        public readonly float* Left => _row + (_x * Lanes);

        /// <summary>Whether the pair has its right pixel (not at an odd width's edge).</summary>
        public readonly bool HasRight => _x + 1 < _width;

        public void Next()
        {
            if ((_x += 2) >= _width)
            {
                _x = 0;
                _row += _rowStride;
            }
        }
    }
}
