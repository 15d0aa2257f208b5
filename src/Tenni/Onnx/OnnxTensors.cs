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

    public static Tensor ToTorch(TensorProto proto)
    {
        long[] dims = proto.Dims.ToArray();
        bool raw = !proto.RawData.IsEmpty;
        return proto.DataType switch
        {
            Float => tensor(raw ? FromRaw<float>(proto.RawData) : proto.FloatData.ToArray(), dims),
            Double => tensor(raw ? FromRaw<double>(proto.RawData) : proto.DoubleData.ToArray(), dims),
            Int64 => tensor(raw ? FromRaw<long>(proto.RawData) : proto.Int64Data.ToArray(), dims),
            Int32 => tensor(raw ? FromRaw<int>(proto.RawData) : proto.Int32Data.ToArray(), dims),
            UInt8 => tensor(raw ? proto.RawData.ToByteArray() : proto.Int32Data.Select(v => (byte)v).ToArray(), dims),
            Int8 => tensor(raw ? FromRaw<sbyte>(proto.RawData) : proto.Int32Data.Select(v => (sbyte)v).ToArray(), dims),
            Bool => tensor(raw ? proto.RawData.Select(b => b != 0).ToArray() : proto.Int32Data.Select(v => v != 0).ToArray(), dims),
            _ => throw new TenniException($"tensor '{proto.Name}' has ONNX data type {proto.DataType}; supported: float, double, int64, int32, uint8, int8, bool"),
        };
    }

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
