using System.Runtime.InteropServices;

namespace Tenni.Native;

/// <summary>What the processor computes natively, read from the kernel's report (Linux), never guessed from the model name.</summary>
internal static class CpuFeatures
{
    private static readonly Lazy<string[]> Flags = new(ReadFlags);

    /// <summary>
    /// Whether bfloat16 matrix arithmetic runs in hardware: AVX-512 BF16 (<c>avx512_bf16</c>) or AMX
    /// (<c>amx_bf16</c>). oneDNN, which libtorch uses for convolutions, then runs bfloat16 convolutions about
    /// twice as fast as float32; without them it emulates bfloat16, slower than float32.
    /// </summary>
    public static bool HasNativeBf16 => Flags.Value.Contains("avx512_bf16") || Flags.Value.Contains("amx_bf16");

    /// <summary>The processor's name as the kernel reports it, for messages and benchmarks.</summary>
    public static string ModelName { get; } = ReadField("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    private static string[] ReadFlags() => ReadField("flags")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static string? ReadField(string name)
    {
        try
        {
            if (!OperatingSystem.IsLinux() || !File.Exists("/proc/cpuinfo"))
            {
                return null;
            }

            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim() == name)
                {
                    return line[(colon + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
