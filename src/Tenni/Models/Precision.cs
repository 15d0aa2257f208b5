namespace Tenni;

/// <summary>
/// The arithmetic of frozen layers (everything before the first trained one, computed once per image
/// and cached, or on the fly). The trained layers and the head always compute and train in float32.
/// </summary>
public enum Precision
{
    /// <summary>bfloat16 where the CPU computes it natively (AVX-512 BF16 or AMX) and the model is known to keep its accuracy with it; float32 elsewhere.</summary>
    Auto,

    /// <summary>float32 throughout.</summary>
    Fp32,

    /// <summary>bfloat16 for frozen layers, wherever: emulated (slower than float32) on a CPU without native bfloat16.</summary>
    Bf16,
}
