using Tenni.Native;

namespace Tenni.Models;

/// <summary>Resolves <see cref="Precision.Auto"/> for a model on this machine, with the reason in words.</summary>
internal static class PrecisionChoice
{
    public static (Precision Precision, string Reason) Resolve(Precision asked, ModelDescriptor model) => asked switch
    {
        Precision.Fp32 => (Precision.Fp32, "float32, as asked"),
        Precision.Bf16 => (Precision.Bf16, CpuFeatures.HasNativeBf16
            ? "bfloat16 frozen layers, as asked"
            : "bfloat16 frozen layers, as asked; this CPU has no native bfloat16 (avx512_bf16 or amx_bf16), so libtorch emulates it, slower than float32"),
        _ when !CpuFeatures.HasNativeBf16 => (Precision.Fp32, "float32: this CPU computes bfloat16 only by emulation (no avx512_bf16 or amx_bf16), which is slower"),
        _ when model.Bf16Measured is null => (Precision.Fp32, $"float32: bfloat16's effect on accuracy has not been measured for {model.Name} (--precision bf16 uses it anyway)"),
        _ => (Precision.Bf16, $"bfloat16 frozen layers: this CPU computes bfloat16 natively and {model.Name} keeps its accuracy with it ({model.Bf16Measured}); --precision fp32 for float32"),
    };

    /// <summary>The name written in model files, cache keys and messages.</summary>
    public static string Name(Precision precision) => precision switch
    {
        Precision.Bf16 => "bf16",
        Precision.Fp32 => "fp32",
        _ => "auto",
    };

    /// <summary>Reads a recorded name; files written before precision was recorded ran float32.</summary>
    public static Precision Parse(string? name) => name switch
    {
        null or "fp32" => Precision.Fp32,
        "bf16" => Precision.Bf16,
        _ => throw new TenniException($"unknown precision '{name}'; expected fp32 or bf16"),
    };
}
