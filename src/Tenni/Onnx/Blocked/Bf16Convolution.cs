using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ExecutableMemory = Tenni.Native.ExecutableMemory;

namespace Tenni.Onnx.Blocked;

/// <summary>
/// A bfloat16 convolution (groups 1, dilation 1, stride 1 or 2; channels multiples of 16 in, or fewer than
/// 16 in planes; multiples of 32 out) over the plan's float32 blocked activations, for CPUs with
/// AVX512_BF16. Weights are rounded to bfloat16 once and the input as the convolution starts; VDPBF16PS sums
/// the products in float32 (two multiply-adds a lane where float32's FMA does one: twice the arithmetic per
/// instruction); bias, residual and ReLU are applied to the float32 sums as <see cref="DirectConvolution"/>
/// applies them. The arithmetic of libtorch's bfloat16 convolutions (oneDNN), without their separate ReLU,
/// pooling and addition passes, and without OpenMP's threads. VDPBF16PS multiplies pairs: two neighbouring
/// channels of a 16-channel block, or, in an RGB stem's planes, two neighbouring pixels of one channel
/// (the kernel width rounded up to even with a zero weight). A pooling after the convolution is taken in
/// as <see cref="DirectConvolution.RunPooled"/> takes it.
/// </summary>
/// <remarks>
/// The multiply-add loop is machine code (<c>native/bf16-tile.S</c>, bytes in
/// <see cref="Bf16TileCode"/>): .NET 10 has no intrinsic for VDPBF16PS. Everything else is C#.
/// </remarks>
internal sealed unsafe class Bf16Convolution : TiledConvolution
{
    private const int Width = DirectConvolution.TileWidth;

    /// <summary>Bytes of packed weights per step of the tile loop: two input channels × 32 output channels.</summary>
    private const int StepBytes = 128;

    private static readonly Lazy<nint> Code = new(() => (nint)ExecutableMemory.Map(Bf16TileCode.Bytes));

    private readonly ThreadScratch _converted;
    private readonly ThreadScratch _band = new();
    private readonly delegate* unmanaged<TileArgs*, Vector512<float>*, void> _tile;
    private ushort* _weights;
    private float* _bias;

    private Bf16Convolution(int inChannels, int outChannels, int kernelHeight, int kernelWidth, (int Y, int X) stride, (int Top, int Left, int Bottom, int Right) pads, ThreadScratch converted)
        : base(inChannels, outChannels, kernelHeight, kernelWidth, stride, pads)
    {
        _converted = converted;
        int entry = (InBlock, stride.X) switch
        {
            (Lanes, 1) => Bf16TileCode.Step32,
            (Lanes, _) => Bf16TileCode.Step64,
            (_, 1) => Bf16TileCode.Step2,
            _ => Bf16TileCode.Step4,
        };
        _tile = Tile(entry);
    }

    /// <summary>
    /// Whether this machine runs the bfloat16 kernel: AVX512_BF16 (CPUID leaf 7, sub-leaf 1, EAX bit 5) on
    /// Linux x86-64 with the code mapped. <c>TENNI_BF16_KERNELS=libtorch</c> turns it off (benchmarks).
    /// </summary>
    public static bool Supported { get; } = Avx512BW.IsSupported && Vector512.IsHardwareAccelerated
        && (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0
        && Environment.GetEnvironmentVariable("TENNI_BF16_KERNELS") is not "libtorch"
        && Code.Value != 0;

    /// <summary>The machine-code tile at <paramref name="entry"/> (a <see cref="Bf16TileCode"/> offset); only where <see cref="Supported"/>.</summary>
    internal static delegate* unmanaged<TileArgs*, Vector512<float>*, void> Tile(int entry) =>
        (delegate* unmanaged<TileArgs*, Vector512<float>*, void>)(Code.Value + entry);

    /// <summary>Steps of the tile loop per kernel row and input block: pairs of channels × kernel width, or, in planes, pairs of pixels.</summary>
    private int StepsPerRow => InBlock == Lanes ? KernelWidth * Lanes / 2 : (KernelWidth + 1) / 2;

    private long WeightBytesPerPair => (long)(InChannels / InBlock) * KernelHeight * StepsPerRow * StepBytes;

    public override long WeightBytes => Pairs * WeightBytesPerPair;

    /// <summary>Whether the kernel takes the shape: channels multiples of 16 in, or fewer than 16; multiples of 32 out; the same stride (1 or 2) on both axes.</summary>
    public static bool Covers(int inChannels, int outChannels, (int Y, int X) stride) =>
        inChannels > 0 && (inChannels % Lanes == 0 || inChannels < Lanes) && outChannels > 0 && outChannels % (2 * Lanes) == 0
        && stride.X == stride.Y && stride.X is 1 or 2;

    /// <summary>
    /// Packs float32 weights [O, I, kh, kw] as bfloat16 (rounded to nearest, ties to even) and the float32 bias
    /// [O] (empty: zeros). <paramref name="converted"/> holds each thread's bfloat16 copy of the input, one
    /// shared by every convolution of a plan.
    /// </summary>
    public static Bf16Convolution Create(WeightView weights, ReadOnlySpan<float> bias, int outChannels, int inChannels, int kernelHeight, int kernelWidth, (int Y, int X) stride, (int Top, int Left, int Bottom, int Right) pads, ThreadScratch converted)
    {
        if (!Covers(inChannels, outChannels, stride))
        {
            throw new ArgumentException($"{inChannels}→{outChannels} channels at stride {stride} are not covered by the bfloat16 kernel");
        }

        var conv = new Bf16Convolution(inChannels, outChannels, kernelHeight, kernelWidth, stride, pads, converted);
        conv._weights = (ushort*)NativeMemory.AlignedAlloc((nuint)conv.WeightBytes, 64);
        conv._bias = TileSums.NativeBias(bias, outChannels);
        conv.Pack(weights);
        return conv;
    }

    // Called once per convolution, for millions of weights: compiled optimised from the start (tier-0 code
    // took a quarter of a second for ResNet18).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pack(WeightView weights)
    {
        ushort* packed = _weights;
        // [O/32][I/block][kh][steps][2 halves of 16 outputs][16][2]: the tile loop's order, each output lane's
        // pair side by side as VDPBF16PS multiplies it. A step's pair is two channels (2j, 2j+1) at one kernel
        // column in 16-channel blocks, two kernel columns (2j, 2j+1) of one channel in planes.
        for (int pair = 0; pair < Pairs; pair++)
        {
            for (int ib = 0; ib < InChannels / InBlock; ib++)
            {
                for (int ky = 0; ky < KernelHeight; ky++)
                {
                    for (int step = 0; step < StepsPerRow; step++)
                    {
                        for (int oc = 0; oc < 2 * Lanes; oc++)
                        {
                            for (int e = 0; e < 2; e++)
                            {
                                int o = (pair * 2 * Lanes) + oc;
                                var (i, kx) = InBlock == Lanes ? ((ib * Lanes) + (2 * (step % (Lanes / 2))) + e, step / (Lanes / 2)) : (ib, (2 * step) + e);
                                *packed++ = kx < KernelWidth ? ToBf16(weights[o, i, ky, kx]) : (ushort)0;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>float32 → bfloat16, rounded to nearest with ties to even (libtorch's and oneDNN's rounding).</summary>
    public static ushort ToBf16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary><see cref="ToBf16(float)"/> on 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ushort> ToBf16(Vector512<float> value)
    {
        var bits = value.AsUInt32();
        bits = (bits + Vector512.Create(0x7FFFu) + ((bits >> 16) & Vector512<uint>.One)) >> 16;
        return Avx512F.ConvertToVector256UInt16(bits);
    }

    public override void Run(BlockedShape inShape, float* input, BlockedShape outShape, float* output, BlockedShape residualShape, float* residual, bool relu, int threads)
    {
        var job = new RowJob(this, inShape, (nint)Converted(inShape, input, threads), outShape, (nint)output, residualShape, (nint)residual, relu);
        BlockedOperations.For(outShape.Batch * Pairs * RowPairs(outShape.Height), threads, job.Run);
    }

    /// <summary>output = pool(relu?(conv(input) + bias)), the convolution's rows through a per-thread band (<see cref="DirectConvolution.RunPooled"/>).</summary>
    public void RunPooled(BlockedShape inShape, float* input, BlockedShape outShape, float* output, PoolWindow pool, bool relu, int threads)
    {
        var (height, width) = OutputSize(inShape.Height, inShape.Width);
        var job = new RowJob(this, inShape, (nint)Converted(inShape, input, threads), outShape, (nint)output, default, 0, relu) { Pool = pool, ConvolvedHeight = height, ConvolvedWidth = width };
        BlockedOperations.For(outShape.Batch * Pairs * job.Bands, threads, job.Band);
    }

    public override void Dispose()
    {
        _band.Dispose();
        NativeMemory.AlignedFree(_weights);
        NativeMemory.AlignedFree(_bias);
        _weights = null;
        _bias = null;
    }

    // The input as bfloat16 in this thread's buffer, in the same geometry (borders included: zeros stay
    // zeros), with the float32 buffers' slack for the tiles that read past a row's end.
    private ushort* Converted(BlockedShape inShape, float* input, int threads)
    {
        ushort* converted = (ushort*)_converted.Get((inShape.Floats + 1) / 2);
        Convert(input, converted, inShape.Floats, threads);
        return converted;
    }

    // float32 → bfloat16 over the whole buffer, 32 values a step, in chunks the threads share.
    private static void Convert(float* source, ushort* target, long count, int threads)
    {
        const long Chunk = 1 << 16;
        int chunks = (int)((count + Chunk - 1) / Chunk);
        BlockedOperations.For(chunks, chunks > 1 ? threads : 1, chunk =>
        {
            long start = chunk * Chunk, end = Math.Min(count, start + Chunk);
            ConvertRange(source + start, target + start, end - start);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ConvertRange(float* source, ushort* target, long count)
    {
        long i = 0;
        for (; i + Lanes <= count; i += Lanes)
        {
            ToBf16(Vector512.Load(source + i)).Store(target + i);
        }

        for (; i < count; i++)
        {
            target[i] = ToBf16(source[i]);
        }
    }

    /// <summary>What the machine-code tile reads (native/bf16-tile.S): byte addresses and distances.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TileArgs
    {
        public nint Origin;
        public nint Weights;
        public long RowDistance;
        public long PlaneStride;
        public long RowStride;
        public long RowLength;
        public int Blocks;
        public int KernelHeight;
    }

    /// <summary>Rows of 32 output channels of one image: two at a time (the last alone when the height is odd).</summary>
    private sealed class RowJob(Bf16Convolution conv, BlockedShape inShape, nint input, BlockedShape outShape, nint output, BlockedShape residualShape, nint residual, bool relu)
    {
        public PoolWindow Pool { get; init; }

        public int ConvolvedHeight { get; init; }

        public int ConvolvedWidth { get; init; }

        public int Bands => PooledBand.Count(outShape);

        /// <summary>Two output rows of 32 channels of one image, to the output.</summary>
        public void Run(int job)
        {
            int rowPairs = RowPairs(outShape.Height);
            int y = job % rowPairs * 2;
            int image = job / (conv.Pairs * rowPairs);
            int pair = job / rowPairs % conv.Pairs;
            float* target = (float*)output + outShape.Offset(image, 2 * pair, y, 0);
            ConvolveRows(image, pair, y, y + 1 == outShape.Height, outShape.Width, target, outShape.RowStride, outShape.PlaneStride);
        }

        /// <summary>One band of pooled rows of 32 channels of one image: the convolution rows it needs, then the pooling.</summary>
        public void Band(int band)
        {
            var job = new PooledBand(band, conv.Pairs, outShape, Pool, ConvolvedHeight, ConvolvedWidth);
            float* scratch = conv._band.Get(job.Shape.Floats);
            for (int y = job.Top; y < job.Bottom; y += 2)
            {
                ConvolveRows(job.Image, job.Pair, y, y + 1 == job.Bottom, ConvolvedWidth, job.Row(scratch, y), job.Shape.RowStride, job.Shape.PlaneStride);
            }

            job.Pool(scratch, ConvolvedHeight, (float*)output, outShape, Pool);
        }

        // Rows y and y + 1 (y alone when single: the tile's second row then repeats it and is not stored).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ConvolveRows(int image, int pair, int y, bool single, int width, float* target, long rowStride, long blockStride)
        {
            Vector512<float>* sums = stackalloc Vector512<float>[4 * Width];
            var args = new TileArgs
            {
                Weights = (nint)conv._weights + (nint)(pair * conv.WeightBytesPerPair),
                RowDistance = single ? 0 : conv.Stride.Y * inShape.RowStride * sizeof(ushort),
                PlaneStride = inShape.PlaneStride * sizeof(ushort),
                RowStride = inShape.RowStride * sizeof(ushort),
                RowLength = conv.StepsPerRow * 2 * sizeof(ushort),
                Blocks = conv.InChannels / conv.InBlock,
                KernelHeight = conv.KernelHeight,
            };
            float* bias = conv._bias + (2 * pair * Lanes);
            for (int x = 0; x < width; x += Width)
            {
                int count = Math.Min(Width, width - x);
                TileSums.Start(sums, bias, Residual(image, pair, y, x), residualShape.PlaneStride, count);
                TileSums.Start(sums + (2 * Width), bias, Residual(image, pair, single ? y : y + 1, x), residualShape.PlaneStride, count);
                args.Origin = input + (nint)(inShape.Offset(image, 0, (y * conv.Stride.Y) - conv.Pads.Top, (x * conv.Stride.X) - conv.Pads.Left) * sizeof(ushort));
                conv._tile(&args, sums);
                TileSums.Store(sums, target + (x * Lanes), blockStride, count, relu);
                if (!single)
                {
                    TileSums.Store(sums + (2 * Width), target + rowStride + (x * Lanes), blockStride, count, relu);
                }
            }
        }

        private float* Residual(int image, int pair, int y, int x) =>
            residual == 0 ? null : (float*)residual + residualShape.Offset(image, 2 * pair, y, x);
    }
}
