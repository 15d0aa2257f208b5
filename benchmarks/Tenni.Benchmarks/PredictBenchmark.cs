using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Tenni.Imaging;
using Tenni.Training;
using static TorchSharp.torch;
using static Tenni.Benchmarks.Latency;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace Tenni.Benchmarks;

/// <summary>
/// Prediction latency and throughput: Tenni (model loaded; decode + preprocess + forward per image) next
/// to ONNX Runtime on the exported model (same decode and resize, preprocessing inside the graph), and
/// the cold start of the whole <c>tenni predict</c> command.
/// </summary>
internal static class PredictBenchmark
{
    public static void Run(string data, int repeats)
    {
        set_num_threads(2);
        string run = Path.Combine(Path.GetTempPath(), $"tenni-bench-predict-{Environment.ProcessId}");
        TrainingRun.Train(data, run, new TrainOptions { PerClass = 50, Epochs = 3 }, TextWriter.Null);
        using var classifier = TrainedClassifier.Load(run);
        using var fp32 = TrainedClassifier.Load(run, precision: Precision.Fp32);
        string onnx = Path.Combine(run, "model.onnx");
        OnnxExporter.Export(classifier, onnx, withPreprocessing: true);
        using var session = new InferenceSession(onnx, new SessionOptions { IntraOpNumThreads = 2, InterOpNumThreads = 1 });
        string[] photos = Directory.GetFiles(Path.Combine(data, "Cat"), "4*.jpg").Order(StringComparer.Ordinal).Take(32).ToArray();

        // Single image, model loaded: decode → preprocess → forward → probabilities.
        var tenniSingle = Time(repeats, i => classifier.Predict([ImageDecoder.Decode(photos[i % photos.Length])]));
        var fp32Single = Time(repeats, i => fp32.Predict([ImageDecoder.Decode(photos[i % photos.Length])]));
        var ortSingle = Time(repeats, i => Ort(session, classifier, [photos[i % photos.Length]]));
        var tenniBatch = Time(Math.Max(3, repeats / 10), _ => classifier.Predict(photos.Select(ImageDecoder.Decode).ToList()));
        var fp32Batch = Time(Math.Max(3, repeats / 10), _ => fp32.Predict(photos.Select(ImageDecoder.Decode).ToList()));
        var ortBatch = Time(Math.Max(3, repeats / 10), _ => Ort(session, classifier, photos));

        Console.WriteLine($"\nPrediction, {Environment.ProcessorCount} cores, 2 threads; single image = decode + preprocess + forward, {repeats} repeats:\n");
        Console.WriteLine("| engine | single image p50 | p95 | batch of 32, images/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| Tenni, as trained ({classifier.Model.Source.Precision} frozen layers) | {P(tenniSingle, 50):F1} ms | {P(tenniSingle, 95):F1} ms | {32 / (P(tenniBatch, 50) / 1000):F1} |");
        Console.WriteLine($"| Tenni, --precision fp32 | {P(fp32Single, 50):F1} ms | {P(fp32Single, 95):F1} ms | {32 / (P(fp32Batch, 50) / 1000):F1} |");
        Console.WriteLine($"| ONNX Runtime, exported model | {P(ortSingle, 50):F1} ms | {P(ortSingle, 95):F1} ms | {32 / (P(ortBatch, 50) / 1000):F1} |");

        // Cold start: the whole command, process start to exit, one image.
        string cli = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Tenni.Cli", "bin", "Release", "net10.0", "Tenni.Cli.dll");
        if (File.Exists(cli))
        {
            var cold = new List<double>();
            for (int i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                using var process = Process.Start(new ProcessStartInfo("dotnet", [cli, "predict", "--run", run, photos[0]]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
                process.StandardOutput.ReadToEnd();
                process.StandardError.ReadToEnd();
                process.WaitForExit();
                cold.Add(clock.Elapsed.TotalMilliseconds);
            }

            Console.WriteLine($"\n`tenni predict --run RUN one.jpg`, whole command (Release build), 5 runs: median {P(cold, 50):F0} ms, max {cold.Max():F0} ms");
        }

        Directory.Delete(run, recursive: true);
    }

    internal static float[] Ort(InferenceSession session, TrainedClassifier classifier, string[] files)
    {
        float[] input = RgbImage.Planar(files.Select(f => classifier.Preprocessing.Fit(ImageDecoder.Decode(f))).ToList());

        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxExporter.ImageInput, new DenseTensor(input, [files.Length, 3, 224, 224]))], [OnnxExporter.ProbabilitiesOutput]);
        return results.First().AsTensor<float>().ToArray();
    }
}
