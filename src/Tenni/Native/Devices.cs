namespace Tenni.Native;

/// <summary>
/// The <c>--device</c> names. Tenni's code paths take the device from the model (graph, head, batches moved
/// to it, results read back to the CPU), so a build against TorchSharp's CUDA packages runs on a GPU with
/// no code change; the CPU build says so in one line instead of failing inside libtorch.
/// </summary>
public static class Devices
{
    public const string Cpu = "cpu";

    /// <summary>Returns the device name to use, or throws a one-line error that says what this build can do.</summary>
    public static string Check(string name)
    {
        string device = name.Trim().ToLowerInvariant();
        if (device == Cpu)
        {
            return Cpu;
        }

        if (device != "cuda" && !device.StartsWith("cuda:", StringComparison.Ordinal))
        {
            throw new TenniException($"unknown device '{name}'; expected cpu or cuda (or cuda:N)");
        }

        TorchNative.EnsureLoaded();
        if (!TorchSharp.torch.cuda.is_available())
        {
            throw new TenniException($"--device {name}: this Tenni build uses TorchSharp's CPU package (libtorch without CUDA); for a GPU, build it against TorchSharp-cuda-linux (or -windows) on a machine with an NVIDIA driver, as the README's 'CUDA' section says, or use --device cpu");
        }

        return device;
    }
}
