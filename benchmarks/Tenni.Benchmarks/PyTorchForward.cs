using System.Diagnostics;
using static TorchSharp.torch;

namespace Tenni.Benchmarks;

/// <summary>
/// PyTorch (Debian's <c>python3-torch</c>, when installed) running the same ResNet18 with the same weights
/// and input in a child process, driven one pass at a time so that it takes its turn in the round-robin.
/// A yardstick only: Tenni never runs Python.
/// </summary>
internal sealed class PyTorchForward : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private PyTorchForward(Process process, string folder)
    {
        _process = process;
        _folder = folder;
    }

    /// <summary>Starts the child process, or returns null (and says why) when python3 with torch is missing.</summary>
    public static PyTorchForward? Start(PlainResNet plain, Tensor input, int threads)
    {
        string folder = Directory.CreateTempSubdirectory("tenni-pytorch-").FullName;
        var modules = plain.WeightModules().ToList();
        for (int i = 0; i < modules.Count; i++)
        {
            foreach (var (name, tensor) in modules[i].state_dict())
            {
                if (name is "weight" or "bias" or "running_mean" or "running_var")
                {
                    Raw(Path.Combine(folder, $"{i}.{name}"), tensor);
                }
            }
        }

        Raw(Path.Combine(folder, "input"), input);
        string script = Path.Combine(AppContext.BaseDirectory, "pytorch_forward.py");
        // Debian's interpreter, where apt puts python3-torch, ahead of any other python3 on the PATH.
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python, [script, folder, threads.ToString()]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            var process = Process.Start(start)!;
            string? first = process.StandardOutput.ReadLine();
            if (first is null || !first.StartsWith("torch ", StringComparison.Ordinal))
            {
                Console.WriteLine($"# PyTorch not measured: python3 with torch did not start ({process.StandardError.ReadToEnd().Split('\n').LastOrDefault(l => l.Length > 0)}); apt-get install python3-torch");
                Directory.Delete(folder, true);
                return null;
            }

            Console.WriteLine($"# PyTorch: {first}");
            return new PyTorchForward(process, folder);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("# PyTorch not measured: no python3");
            Directory.Delete(folder, true);
            return null;
        }
    }

    /// <summary>One forward pass in <paramref name="precision"/> (fp32 or bf16, autocast); the features it computed.</summary>
    public float[] Run(string precision)
    {
        string output = Path.Combine(_folder, "out.f32");
        _process.StandardInput.WriteLine($"check {precision} {output}");
        _ = _process.StandardOutput.ReadLine();
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(output)).ToArray();
    }

    /// <summary>One forward pass, timed by the caller, without writing its result.</summary>
    public float[] Time(string precision)
    {
        _process.StandardInput.WriteLine(precision);
        _ = _process.StandardOutput.ReadLine();
        return [];
    }

    // Little-endian float32 values in FILE.f32 and the shape in FILE.shape: all the script needs.
    private static void Raw(string path, Tensor tensor)
    {
        using var values = tensor.detach().contiguous();
        File.WriteAllBytes(path + ".f32", System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.data<float>().ToArray().AsSpan()).ToArray());
        File.WriteAllText(path + ".shape", string.Join(",", tensor.shape));
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        _process.WaitForExit(10_000);
        _process.Dispose();
        Directory.Delete(_folder, true);
    }
}
