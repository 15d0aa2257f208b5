using Tenni.Benchmarks;
using Tenni.Native;

// dotnet run -c Release --project benchmarks/Tenni.Benchmarks -- forward [batch] [rounds] [threads]
TorchNative.EnsureLoaded();
string which = args.Length > 0 ? args[0] : "forward";
int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i]) : fallback;
Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
switch (which)
{
    case "forward":
        ForwardBenchmark.Run(Arg(1, 32), Arg(2, 7), Arg(3, 2));
        break;
    default:
        Console.Error.WriteLine($"unknown benchmark '{which}'; known: forward");
        return 2;
}

return 0;
