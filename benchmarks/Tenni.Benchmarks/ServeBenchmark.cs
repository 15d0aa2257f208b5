using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.ML.OnnxRuntime;
using Tenni.Cli.Serving;
using Tenni.Training;
using static TorchSharp.torch;
using static Tenni.Benchmarks.Latency;

namespace Tenni.Benchmarks;

/// <summary>
/// <c>tenni serve</c> next to the other ways to predict, in one process on the same photos: one image per
/// HTTP request (sequential: latency; 8 concurrent clients: throughput), the library's
/// <c>PredictFiles</c> (what <c>tenni predict</c> runs once loaded), ONNX Runtime on the export, and the
/// whole <c>tenni predict</c> command.
/// </summary>
internal static class ServeBenchmark
{
    public static void Run(string data, int requests)
    {
        set_num_threads(2);
        string run = Path.Combine(Path.GetTempPath(), $"tenni-bench-serve-{Environment.ProcessId}");
        try
        {
            TrainingRun.Train(data, run, new TrainOptions { PerClass = 50, Epochs = 3 }, TextWriter.Null);
            Measure(run, Directory.GetFiles(Path.Combine(data, "Cat"), "4*.jpg").Order(StringComparer.Ordinal).Take(32).ToArray(), requests);
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    private static void Measure(string run, string[] photos, int requests)
    {
        using var classifier = TrainedClassifier.Load(run);
        string onnx = Path.Combine(run, "model.onnx");
        OnnxExporter.Export(classifier, onnx, withPreprocessing: true);
        using var session = new InferenceSession(onnx, new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 });
        var server = ModelServer.StartAsync(new ServeOptions { Run = run, Model = "last", Port = 0 }, Console.Error).GetAwaiter().GetResult();
        using var client = new HttpClient { BaseAddress = new Uri(server.Url) };
        byte[][] bytes = [.. photos.Select(File.ReadAllBytes)];

        var serveSingle = Time(requests, i => Post(client, photos[i % photos.Length], bytes[i % photos.Length]));
        var librarySingle = Time(requests, i => classifier.PredictFiles([photos[i % photos.Length]]).ToList());
        var ortSingle = Time(requests, i => PredictBenchmark.Ort(session, classifier, [photos[i % photos.Length]]));
        double serveConcurrent = Concurrent(client, photos, bytes, clients: 8, perClient: Math.Max(4, requests / 8));
        var libraryBatch = Time(3, _ => classifier.PredictFiles(photos).ToList());
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();

        Console.WriteLine($"\nServing, {Environment.ProcessorCount} cores, 2 torch threads; one image = decode + preprocess + forward, {requests} requests:\n");
        Console.WriteLine("| variant | one image p50 | p95 | images/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| tenni serve, one image per request, sequential | {P(serveSingle, 50):F1} ms | {P(serveSingle, 95):F1} ms | {1000 / P(serveSingle, 50):F1} |");
        Console.WriteLine($"| tenni serve, 8 concurrent clients, one image per request | | | {serveConcurrent:F1} |");
        Console.WriteLine($"| library PredictFiles (tenni predict, model loaded), one image | {P(librarySingle, 50):F1} ms | {P(librarySingle, 95):F1} ms | {1000 / P(librarySingle, 50):F1} |");
        Console.WriteLine($"| library PredictFiles, batch of 32 | | | {32 / (P(libraryBatch, 50) / 1000):F1} |");
        Console.WriteLine($"| ONNX Runtime, exported model, one image | {P(ortSingle, 50):F1} ms | {P(ortSingle, 95):F1} ms | {1000 / P(ortSingle, 50):F1} |");
        WholeCommand(run, photos);
    }

    private static void Post(HttpClient client, string path, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "files", Path.GetFileName(path));
        using var response = client.PostAsync("api/predict", form).GetAwaiter().GetResult();
        response.EnsureSuccessStatusCode();
        response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    // Images per second answered while `clients` clients each send `perClient` one-image requests back to back.
    private static double Concurrent(HttpClient client, string[] photos, byte[][] bytes, int clients, int perClient)
    {
        var clock = Stopwatch.StartNew();
        Task.WaitAll([.. Enumerable.Range(0, clients).Select(c => Task.Run(() =>
        {
            for (int i = 0; i < perClient; i++)
            {
                int k = ((c * perClient) + i) % photos.Length;
                Post(client, photos[k], bytes[k]);
            }
        }))]);
        return clients * perClient / clock.Elapsed.TotalSeconds;
    }

    // `tenni predict` on the 32 photos as a whole command (Release build): process start, model load, predictions.
    private static void WholeCommand(string run, string[] photos)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Tenni.Cli", "bin", "Release", "net10.0", "Tenni.Cli.dll");
        if (!File.Exists(cli))
        {
            return;
        }

        var times = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(new ProcessStartInfo("dotnet", [cli, "predict", "--run", run, .. photos]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine($"\n`tenni predict --run RUN` on the 32 photos, whole command, 3 runs: median {P(times, 50):F0} ms = {P(times, 50) / photos.Length:F0} ms per image including start-up");
    }
}
