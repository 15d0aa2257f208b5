using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Tenni.Onnx.Blocked;

/// <summary>
/// A 3×3, stride 1, padding 1 float32 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin and
/// Gray, 2016): each 2×2 block of output pixels is computed from its 4×4 input patch in a transformed
/// space where the convolution is 16 elementwise products, so 16 multiplies per output channel and input
/// channel give 4 outputs instead of 36: 2.25× fewer. The products are 16 matrix products (one per
/// transformed position) over the input channels, run by the direct kernel's own inner loop as 1×1
/// convolutions (<see cref="DirectConvolution.Multiply"/>). The transforms are additions only, done on whole
/// 16-channel vectors, for 14 tiles at a time, so their values stay in the core's cache.
/// </summary>
/// <remarks>
/// Rounding differs from the direct sums (the transforms add and subtract neighbouring inputs first):
/// measured against ONNX Runtime, within 1e-5 of the largest value like the direct kernel (tests).
/// </remarks>
internal sealed unsafe class WinogradConvolution : WinogradShape
{
    /// <summary>Tiles (2×2 output pixels each) per group: the 14 pixels of <see cref="DirectConvolution.Multiply"/>.</summary>
    private const int GroupTiles = 2 * DirectConvolution.TileWidth;

    private const int Positions = 16;
    private readonly DirectConvolution[] _positions;
    private readonly ThreadScratch _scratch = new();
    private float* _bias;

    private WinogradConvolution(DirectConvolution[] positions, int inChannels, int outChannels)
        : base(inChannels, outChannels)
    {
        _positions = positions;
    }

    public override long WeightBytes => _positions.Sum(p => p.WeightBytes);

    /// <summary>The most transformed weights a layer may have: every group of 14 tiles reads all of them.</summary>
    private const long MaxWeightBytes = 8L << 20;

    /// <summary>
    /// Whether this takes the convolution: 3×3, stride 1, padding 1 on every side, channels multiples of 16
    /// in and 32 out, and transformed weights (16 per pair of channels) within 8 MiB. Every group of 14 tiles
    /// reads all of them: ResNet18's 256→256 layers (4 MiB) run 1.7× faster than direct, its 512→512 ones
    /// (16 MiB, at 7×7 pixels where 2×2 tiles waste a quarter) 1.2× slower (docs/benchmarks.md, fifth round).
    /// </summary>
    public static bool Covers(int inChannels, int outChannels, int kernelHeight, int kernelWidth, (int Y, int X) stride, (int Top, int Left, int Bottom, int Right) pads) =>
        HasShape(inChannels, kernelHeight, kernelWidth, stride, pads) && DirectConvolution.Covers(inChannels, outChannels)
        && (long)Positions * inChannels * outChannels * sizeof(float) <= MaxWeightBytes;

    /// <summary>Transforms weights [O, I, 3, 3] (float32) once: U = G g Gᵀ for each pair of channels; the bias [O] (null: zeros).</summary>
    public static WinogradConvolution Create(WeightView weights, ReadOnlySpan<float> bias, int outChannels, int inChannels)
    {
        if (!Covers(inChannels, outChannels, 3, 3, (1, 1), (1, 1, 1, 1)))
        {
            throw new ArgumentException($"{inChannels}→{outChannels} channels are not covered by the Winograd kernels");
        }

        var transformed = new float[Positions][];
        for (int position = 0; position < Positions; position++)
        {
            transformed[position] = new float[outChannels * inChannels];
        }

        Span<double> u = stackalloc double[Positions];
        Span<float> g = stackalloc float[9];
        for (int pair = 0; pair < outChannels * inChannels; pair++)
        {
            for (int k = 0; k < 9; k++)
            {
                g[k] = weights[pair / inChannels, pair % inChannels, k / 3, k % 3];
            }

            TransformWeights(g, u);
            for (int position = 0; position < Positions; position++)
            {
                transformed[position][pair] = (float)u[position];
            }
        }

        var positions = new DirectConvolution[Positions];
        for (int position = 0; position < Positions; position++)
        {
            positions[position] = DirectConvolution.Create(WeightView.RowMajor(transformed[position], inChannels, 1, 1), [], outChannels, inChannels, 1, 1, (1, 1), (0, 0, 0, 0));
        }

        var conv = new WinogradConvolution(positions, inChannels, outChannels);
        conv._bias = TileSums.NativeBias(bias, outChannels);

        return conv;
    }

    public override void Run(BlockedShape inShape, float* input, BlockedShape outShape, float* output, BlockedShape residualShape, float* residual, bool relu, int threads)
    {
        var job = new GroupJob(this, inShape, (nint)input, outShape, (nint)output, residualShape, (nint)residual, relu);
        BlockedOperations.For(job.Groups, threads, job.Run);
    }

    public override void Dispose()
    {
        foreach (var position in _positions)
        {
            position.Dispose();
        }

        _scratch.Dispose();
        NativeMemory.AlignedFree(_bias);
        _bias = null;
    }

    // U = G g Gᵀ with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], in double: the weights are transformed once.
    private static void TransformWeights(ReadOnlySpan<float> g, Span<double> u)
    {
        Span<double> rows = stackalloc double[12]; // G g: 4×3
        for (int c = 0; c < 3; c++)
        {
            double g0 = g[c], g1 = g[3 + c], g2 = g[6 + c];
            rows[c] = g0;
            rows[3 + c] = (g0 + g1 + g2) / 2;
            rows[6 + c] = (g0 - g1 + g2) / 2;
            rows[9 + c] = g2;
        }

        for (int r = 0; r < 4; r++)
        {
            double a = rows[3 * r], b = rows[(3 * r) + 1], c = rows[(3 * r) + 2];
            u[4 * r] = a;
            u[(4 * r) + 1] = (a + b + c) / 2;
            u[(4 * r) + 2] = (a - b + c) / 2;
            u[(4 * r) + 3] = c;
        }
    }

    /// <summary>One group of 14 tiles, numbered across the batch (a group may span images): transform, multiply, transform back.</summary>
    private sealed class GroupJob(WinogradConvolution conv, BlockedShape inShape, nint input, BlockedShape outShape, nint output, BlockedShape residualShape, nint residual, bool relu)
    {
        /// <summary>Multiply's 28 sums at each of the 16 positions, for one pair of output-channel blocks.</summary>
        private const int ProductFloats = Positions * 4 * DirectConvolution.TileWidth * Lanes;

        private readonly int _tilesY = (outShape.Height + 1) / 2;
        private readonly int _tilesX = (outShape.Width + 1) / 2;

        public int Groups => ((outShape.Batch * _tilesY * _tilesX) + GroupTiles - 1) / GroupTiles;

        private long PositionFloats => (long)conv.InChannels * GroupTiles;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int group)
        {
            // This thread's scratch: the group's transformed inputs [position][input block][14 tiles][16], then the products.
            float* transformed = conv._scratch.Get((Positions * PositionFloats) + ProductFloats);
            var products = (Vector512<float>*)(transformed + (Positions * PositionFloats));
            int first = group * GroupTiles;
            int count = Math.Min(GroupTiles, (outShape.Batch * _tilesY * _tilesX) - first);
            for (int t = 0; t < GroupTiles; t++)
            {
                TransformInput(first + t, t < count, transformed + (t * Lanes));
            }

            for (int pair = 0; pair < conv.OutChannels / (2 * Lanes); pair++)
            {
                new Span<float>(products, ProductFloats).Clear();
                for (int position = 0; position < Positions; position++)
                {
                    conv._positions[position].Multiply(transformed + (position * PositionFloats), pair, products + (position * 4 * DirectConvolution.TileWidth));
                }

                for (int t = 0; t < count; t++)
                {
                    for (int half = 0; half < 2; half++)
                    {
                        // Where tile t's sums for this half sit among Multiply's 28.
                        int slot = ((t / DirectConvolution.TileWidth) * 2 * DirectConvolution.TileWidth) + (half * DirectConvolution.TileWidth) + (t % DirectConvolution.TileWidth);
                        TransformOutput(first + t, (2 * pair) + half, products + slot);
                    }
                }
            }
        }

        // V = Bᵀ d B over the tile's 4×4 input patch, B = [1 0 0 0; 0 1 −1 1; −1 1 1 0; 0 0 0 −1], for every
        // input block; a tile past the batch's last transforms to zeros.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TransformInput(int tile, bool real, float* target)
        {
            long positionFloats = PositionFloats;
            if (!real)
            {
                for (int position = 0; position < Positions; position++)
                {
                    for (int block = 0; block < conv.InChannels / Lanes; block++)
                    {
                        Vector512<float>.Zero.Store(target + (position * positionFloats) + (block * GroupTiles * Lanes));
                    }
                }

                return;
            }

            var (image, y, x) = Locate(tile);
            long row = inShape.RowStride;
            Span<Vector512<float>> d = stackalloc Vector512<float>[16];
            for (int block = 0; block < conv.InChannels / Lanes; block++)
            {
                float* corner = (float*)input + inShape.Offset(image, block, y - 1, x - 1);
                for (int c = 0; c < 4; c++)
                {
                    // Bᵀ on the columns: rows r0 − r2, r1 + r2, r2 − r1, r1 − r3.
                    var r0 = Vector512.Load(corner + (c * Lanes));
                    var r1 = Vector512.Load(corner + row + (c * Lanes));
                    var r2 = Vector512.Load(corner + (2 * row) + (c * Lanes));
                    var r3 = Vector512.Load(corner + (3 * row) + (c * Lanes));
                    d[c] = r0 - r2;
                    d[4 + c] = r1 + r2;
                    d[8 + c] = r2 - r1;
                    d[12 + c] = r1 - r3;
                }

                float* to = target + (block * GroupTiles * Lanes);
                for (int r = 0; r < 4; r++)
                {
                    // … and B on the rows.
                    var (c0, c1, c2, c3) = (d[4 * r], d[(4 * r) + 1], d[(4 * r) + 2], d[(4 * r) + 3]);
                    (c0 - c2).Store(to + (((4 * r) + 0) * positionFloats));
                    (c1 + c2).Store(to + (((4 * r) + 1) * positionFloats));
                    (c2 - c1).Store(to + (((4 * r) + 2) * positionFloats));
                    (c1 - c3).Store(to + (((4 * r) + 3) * positionFloats));
                }
            }
        }

        // Y = Aᵀ m A, A = [1 0; 1 1; 1 −1; 0 −1]; then bias, residual and ReLU, and the pixels inside the plane stored.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TransformOutput(int tile, int block, Vector512<float>* m)
        {
            const int Stride = 4 * DirectConvolution.TileWidth; // between positions in the products
            Span<Vector512<float>> s = stackalloc Vector512<float>[8];
            for (int c = 0; c < 4; c++)
            {
                var (m0, m1, m2, m3) = (m[c * Stride], m[(4 + c) * Stride], m[(8 + c) * Stride], m[(12 + c) * Stride]);
                s[c] = m0 + m1 + m2;
                s[4 + c] = m1 - m2 - m3;
            }

            var bias = Vector512.Load(conv._bias + (block * Lanes));
            var (image, y, x) = Locate(tile);
            for (int dy = 0; dy < 2 && y + dy < outShape.Height; dy++)
            {
                var (c0, c1, c2, c3) = (s[4 * dy], s[(4 * dy) + 1], s[(4 * dy) + 2], s[(4 * dy) + 3]);
                Pixel(image, block, y + dy, x, c0 + c1 + c2 + bias);
                if (x + 1 < outShape.Width)
                {
                    Pixel(image, block, y + dy, x + 1, c1 - c2 - c3 + bias);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Pixel(int image, int block, int y, int x, Vector512<float> value)
        {
            if (residual != 0)
            {
                value += Vector512.Load((float*)residual + residualShape.Offset(image, block, y, x));
            }

            (relu ? Vector512.Max(value, Vector512<float>.Zero) : value).Store((float*)output + outShape.Offset(image, block, y, x));
        }

        // The image and top-left output pixel of a tile.
        private (int Image, int Y, int X) Locate(int tile)
        {
            int perImage = _tilesY * _tilesX;
            int within = tile % perImage;
            return (tile / perImage, within / _tilesX * 2, within % _tilesX * 2);
        }
    }
}
