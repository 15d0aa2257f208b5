using System.Runtime.CompilerServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Tenni.Onnx;

/// <summary>Converts between ONNX <see cref="TensorProto"/> and torch tensors (CPU, contiguous).</summary>
internal static class OnnxTensors
{
    // TensorProto.DataType values from onnx.proto.
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Bool = 9;
    public const int Double = 11;

    /// <param name="channelsLast">4-D float weights with more than one input channel and more than one
    /// tap come back in the channels-last layout (NCHW sizes, NHWC memory), written there straight from
    /// the file's bytes: one copy into fresh memory instead of two, and the strides the graph's own
    /// conversion gives (weights with a dimension of 1, depthwise and 1×1, given other, equally valid
    /// strides sent libtorch to a kernel that computed ShuffleNet v2 wrong: OnnxClassifierTests).</param>
    public static Tensor ToTorch(TensorProto proto, bool channelsLast = false)
    {
        long[] dims = proto.Dims.ToArray();
        bool raw = !proto.RawData.IsEmpty;
        if (raw && proto.DataType == Float && BitConverter.IsLittleEndian)
        {
            // Weights: straight from the file's bytes into libtorch's memory, without a managed copy
            // (ResNet18's would be 45 MB of garbage per load).
            long floats = dims.Aggregate(1L, (p, d) => d < 0 || (d != 0 && p > long.MaxValue / d) ? -1 : p * d);
            if (floats < 0 || floats * 4 != proto.RawData.Length)
            {
                throw new TenniException($"tensor '{proto.Name}' has dims [{string.Join(", ", dims)}] but holds {proto.RawData.Length / 4} values");
            }

            // Where a dimension of 1 makes the two layouts one (1×1 kernels, one input channel), the bytes
            // as stored are already in order: the graph then gives the strides it always gave.
            var weights = channelsLast && dims.Length == 4 && dims[1] > 1 && dims[2] * dims[3] > 1
                ? ChannelsLastFromBytes(proto.RawData.Span, dims)
                : IO.AlignedTensor.FromBytes(proto.RawData.Span, ScalarType.Float32, dims);
            GC.KeepAlive(proto); // its bytes may be a mapped file's, released once nothing holds them (IO.MappedFile)
            return weights;
        }

        Array values = Values(proto, raw);

        // Files are checked on load (OnnxModelChecks); models built in memory get the same one-line error.
        long count = dims.Aggregate(1L, (p, d) => d < 0 || (d != 0 && p > long.MaxValue / d) ? -1 : p * d);
        if (count != values.LongLength)
        {
            throw new TenniException($"tensor '{proto.Name}' has dims [{string.Join(", ", dims)}] but holds {values.LongLength} values");
        }

        return values switch
        {
            float[] v => tensor(v, dims),
            double[] v => tensor(v, dims),
            long[] v => tensor(v, dims),
            int[] v => tensor(v, dims),
            // The CLR lets an sbyte[] pass as byte[] (`is byte[]` holds for both): tell them apart by the
            // declared type, and build int8 through int16, since TorchSharp makes uint8 of sbyte values.
            byte[] v when proto.DataType == UInt8 => tensor(v, dims),
            sbyte[] v => tensor(v.Select(b => (short)b).ToArray(), dims).to_type(ScalarType.Int8),
            bool[] v => tensor(v, dims),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    // [O, I, H, W] floats as stored, written into a contiguous [O, H, W, I] tensor and returned as its
    // [O, I, H, W] view: what permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) gives, without the first copy.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor ChannelsLastFromBytes(ReadOnlySpan<byte> bytes, long[] dims)
    {
        int outputs = checked((int)dims[0]), inputs = checked((int)dims[1]), taps = checked((int)(dims[2] * dims[3]));
        var source = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes);
        using var stored = empty([dims[0], dims[2], dims[3], dims[1]], ScalarType.Float32);
        var target = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(stored.bytes);
        for (int o = 0; o < outputs; o++)
        {
            var from = source.Slice(o * inputs * taps, inputs * taps);
            var to = target.Slice(o * inputs * taps, inputs * taps);
            for (int i = 0; i < inputs; i++)
            {
                for (int t = 0; t < taps; t++)
                {
                    to[(t * inputs) + i] = from[(i * taps) + t];
                }
            }
        }

        return stored.permute(0, 3, 1, 2);
    }

    /// <summary>A float tensor's values, without libtorch (which may not be loaded yet).</summary>
    public static float[] Floats(TensorProto proto) =>
        proto.DataType == Float
            ? (float[])Values(proto, !proto.RawData.IsEmpty)
            : throw new TenniException($"tensor '{proto.Name}' has ONNX data type {proto.DataType}, not float");

    private static Array Values(TensorProto proto, bool raw) =>
        proto.DataType switch
        {
            Float => raw ? FromRaw<float>(proto.RawData) : proto.FloatData.ToArray(),
            Double => raw ? FromRaw<double>(proto.RawData) : proto.DoubleData.ToArray(),
            Int64 => raw ? FromRaw<long>(proto.RawData) : proto.Int64Data.ToArray(),
            Int32 => raw ? FromRaw<int>(proto.RawData) : proto.Int32Data.ToArray(),
            UInt8 => raw ? proto.RawData.ToByteArray() : proto.Int32Data.Select(v => (byte)v).ToArray(),
            Int8 => raw ? FromRaw<sbyte>(proto.RawData) : proto.Int32Data.Select(v => (sbyte)v).ToArray(),
            Bool => raw ? proto.RawData.Select(b => b != 0).ToArray() : proto.Int32Data.Select(v => v != 0).ToArray(),
            _ => throw new TenniException($"tensor '{proto.Name}' has ONNX data type {proto.DataType}; supported: float, double, int64, int32, uint8, int8, bool"),
        };

    public static TensorProto FromTorch(Tensor value, string name)
    {
        using var cpu = value.detach().cpu().contiguous();
        var proto = new TensorProto { Name = name };
        proto.Dims.AddRange(cpu.shape);
        switch (cpu.dtype)
        {
            case ScalarType.Float32:
                proto.DataType = Float;
                proto.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()));
                break;
            case ScalarType.Int64:
                proto.DataType = Int64;
                proto.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()));
                break;
            default:
                throw new TenniException($"cannot write tensor '{name}' of type {cpu.dtype} to ONNX; supported: float32, int64");
        }

        return proto;
    }

    private static T[] FromRaw<T>(ByteString bytes)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes.Span).ToArray();
}
