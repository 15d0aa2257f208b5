#:project ../src/Tenni/Tenni.csproj
// The chapter (Chainer + ChainerCV, dogs vs cats), step by step with Tenni's library API: the same parts
// that `tenni train` (TrainingRun.Train) is built from.
// Run from the repository root:  dotnet run examples/chapter.cs [data folder]
// (default: samples/pets; the chapter's data is Microsoft's PetImages with Cat/ and Dog/).
using Tenni;
using Tenni.Data;
using Tenni.Features;
using Tenni.Imaging;
using Tenni.Models;
using Tenni.Training;
using Tenni.Training.Extensions;

string data = args.Length > 0 ? args[0] : "samples/pets";
string run = Path.Combine("runs", "chapter");
Directory.CreateDirectory(run);

// Steps 1-3: read the class folders; the chapter labels dog = 0, cat = 1 and takes the first 1000 of each.
string[] classes = Directory.GetDirectories(data).Select(Path.GetFileName).OrderByDescending(n => n!.StartsWith("dog", StringComparison.OrdinalIgnoreCase)).Select(n => n!).ToArray();
var folder = ImageFolder.Scan(data, new ImageFolderOptions { Classes = classes, PerClass = 1000 });
foreach (string line in folder.Report.Summary())
{
    Console.WriteLine(line);
}

// Steps 4-5: the model's preprocessing, and a look at one preprocessed image (dark areas look inverted).
using var source = SourceModel.Load("resnet18");
using (var first = source.Preprocessing.ToTensor(ImageDecoder.Decode(folder.Samples[0].Path)))
{
    PreprocessedImageView.WritePng(first, Path.Combine(run, "prep.png"));
    Console.WriteLine($"preprocessed: {first.dtype}, ({string.Join(", ", first.shape)}) → {Path.Combine(run, "prep.png")}");
}

// Steps 6-7: a 70/30 split with seed 1.
var split = DatasetSplit.Random(folder, new SplitOptions { TrainFraction = 0.7, Seed = 1 });
Console.WriteLine($"train {split.Train.Count}, validation {split.Validation.Count}");

// Step 8: the source model's layers (Chainer's available_layers).
foreach (var layer in source.DescribeLayers())
{
    Console.WriteLine($"  {layer.Name,-6} ({string.Join(", ", layer.OutputShape)})  {layer.Parameters:N0} parameters");
}

// Step 13 (done first, so that no forward pass runs on layers about to be frozen): freeze the source
// model; the chapter then enables fc7, with ResNet18 the closing remark's "re-train more layers" is res5.
var options = TrainOptions.Chapter with { Seed = 1 }; // the chapter's recipe: Adam 1e-4, head 10×, batch 64, 20 epochs
source.Freeze(options.TrainLayers);          // or: source.Freeze(["res5"])

// Steps 9-10: the target model: the source cut at pool5 and a new fully connected head.
using var model = new ClassifierModel(source, "pool5", split.Classes.Count, options.Seed);

// Step 14: Adam, 1e-4 for the source's trained layers and 10× for the new head (one group per rate).
var optimizer = TrainingOptimizer.Create(model, options);

// Step 15: batches of 64, validation in order. Frozen layers are computed once per image and cached
// (exact: nothing before pool5 trains or is random); the plan says why.
var cache = CachePlan.Decide(model, options);
Console.WriteLine($"cache: {cache.Reason}");
using var batches = TrainingBatches.Create(model, split, options, cache, Path.Combine(run, "cache"));

// Steps 16-18: 20 epochs, an evaluator, a JSON log, a printed table and plots each epoch, the best model kept.
var trainer = new Trainer(new StandardUpdater(model, batches.Train, optimizer.Optimizer, options.Seed), options.Epochs, run);
var log = new LogReport(Path.Combine(run, "log"));
trainer.Extend(new Evaluator(model, batches.Validation));
trainer.Extend(log);
trainer.Extend(new PrintReport(log, Console.Out));
trainer.Extend(new PlotReport(log, run));
trainer.Extend(new BestModel(best => TrainedModelFile.Save(best, model, split.Classes), Path.Combine(run, "best")), new MaxValueTrigger(ObservationKeys.ValidationAccuracy));
Console.WriteLine("extensions: " + string.Join(", ", trainer.Describe()));
trainer.Run();
TrainedModelFile.Save(run, model, split.Classes); // what `tenni predict --run runs/chapter` and `tenni export` read

// Step 19: read the log back (pd.DataFrame(json.load(f)) reads the same file) and plot accuracy.
var entries = LogReport.Parse(File.ReadAllText(Path.Combine(run, "log")));
var last = entries[^1];
Console.WriteLine($"final validation accuracy {last[ObservationKeys.ValidationAccuracy]:0.###}; plots: {Path.Combine(run, "accuracy.png")}, {Path.Combine(run, "loss.png")}");
