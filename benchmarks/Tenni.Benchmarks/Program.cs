using Tenni.Benchmarks;
using Tenni.Native;

// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- forward [batch] [rounds] [threads]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- decode [folder] [rounds]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- scale [folder] [count] [batch]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- predict [data folder] [repeats]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- serve [data folder] [requests]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- scan-split [data folder] [rounds] [auto|fp32|bf16]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- startup
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- resize-digest [folder]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- memory [data folder] [batch]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- vgg16 [data folder] [batch] [rounds] [threads] [uncached epochs]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- scale-out [store folder] [rows] [epochs] [batch] [float16]
// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- head-step [batch] [steps]
TorchNative.EnsureLoaded();
string which = args.Length > 0 ? args[0] : "forward";
int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i]) : fallback;
Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
switch (which)
{
    case "forward":
        ForwardBenchmark.Run(Arg(1, 32), Arg(2, 7), Arg(3, 2), args.Length > 4 ? args[4] : null);
        break;
    case "blocked-steps":
        BlockedStepsBenchmark.Run(Arg(1, 32), Arg(2, 9), Arg(3, 2), args.Length > 4 ? Enum.Parse<Tenni.Precision>(args[4], ignoreCase: true) : Tenni.Precision.Fp32);
        break;
    case "proxy-folder":
        ProxyFolder.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "PetImages-mini"), args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "tenni-proxy-1802"), Arg(3, 1802));
        break;
    case "decode":
        DecodeBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "PetImages-mini"), Arg(2, 3));
        break;
    case "scale":
        Console.WriteLine("| stage | elapsed | peak RSS | RSS |");
        Console.WriteLine("|---|---:|---:|---:|");
        ScaleBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "tenni-scale"), Arg(2, 100_000), Arg(3, 64));
        break;
    case "predict":
        PredictBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "PetImages-mini"), Arg(2, 50));
        break;
    case "serve":
        ServeBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "PetImages-mini"), Arg(2, 100));
        break;
    case "scan-split":
        ScanSplitBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "PetImages-mini"), Arg(2, 3), args.Length > 3 ? Enum.Parse<Tenni.Precision>(args[3], ignoreCase: true) : Tenni.Precision.Auto);
        break;
    case "resize-digest":
        ResizeDigest.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "PetImages-mini"));
        break;
    case "startup":
        StartupBenchmark.Run();
        break;
    case "memory":
        MemoryBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "PetImages-mini"), Arg(2, 32));
        break;
    case "vgg16":
        Vgg16Benchmark.Run(args.Length > 1 ? args[1] : Path.Combine("..", "shared", "data", "PetImages-mini"), Arg(2, 8), Arg(3, 5), Arg(4, 2), Arg(5, 2));
        break;
    case "head-step":
        HeadStepBenchmark.Run(Arg(1, 64), Arg(2, 50));
        break;
    case "scale-out":
        Console.WriteLine("| stage | elapsed | size / memory |");
        Console.WriteLine("|---|---:|---:|");
        ScaleOutBenchmark.Run(args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "tenni-scale-out", "store"), Arg(2, 1_000_000), Arg(3, 2), Arg(4, 256), args.Length > 5 && args[5] == "float16");
        break;
    default:
        Console.Error.WriteLine($"unknown benchmark '{which}'; known: forward, blocked-steps, proxy-folder, decode, startup, resize-digest, scale, scale-out, predict, serve, scan-split, memory, vgg16");
        return 2;
}

return 0;
