#:project ../src/Tenni/Tenni.csproj
// The chapter (Chainer + ChainerCV, dogs vs cats), step by step with Tenni's library API.
// Run from the repository root:  dotnet run examples/chapter.cs [data folder]
// (default: samples/pets; the chapter's data is Microsoft's PetImages with Cat/ and Dog/).
using Tenni.Data;
using Tenni.Features;
using Tenni.Imaging;
using Tenni.Models;
using Tenni.Training;
using Tenni.Training.Extensions;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DataLoader = Tenni.Data.DataLoader;

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

// Steps 9-10: the target model: the source cut at pool5 and a new fully connected head.
using var model = new ClassifierModel(source, "pool5", split.Classes.Count, seed: 1);

// Step 13: freeze the source model (the chapter then enables fc7; with ResNet18: res5).
source.SetTrainable(false);
// source.SetTrainable(true, "res5");   // the chapter's closing remark: re-train more layers

// Step 14: Adam, 1e-4 for the source's trained layers and 10× for the new head.
var trainedSource = source.Graph.parameters().Where(p => p.requires_grad).ToList();
var groups = new List<Adam.ParamGroup> { new(model.Head.parameters(), lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false) };
if (trainedSource.Count > 0)
{
    groups.Add(new(trainedSource, lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false));
}

var optimizer = optim.Adam(groups, 1e-4);

// Frozen layers are computed once per image (exact: nothing before pool5 trains or is random).
var options = new TrainOptions { Seed = 1 };
var cache = CachePlan.Decide(model, options);
Console.WriteLine($"cache: {cache.Reason}");
var features = new FeatureCache(model, cache.Tensor!, FeatureCache.DefaultRoot());
using var trainStore = features.Load(split.Train, null, Path.Combine(run, "cache"));
using var valStore = features.Load(split.Validation, null, Path.Combine(run, "cache"));

// Step 15: batches of 64; validation in order, once.
var trainOrder = new DataLoader(split.Train, source.Preprocessing, new DataLoaderOptions { BatchSize = 64, Shuffle = true, Seed = 1 });
var valOrder = new DataLoader(split.Validation, source.Preprocessing, new DataLoaderOptions { BatchSize = 64 });
var train = new CachedBatchSource(trainStore, split.Train, trainOrder, cache.Tensor!, 64);
var validation = new CachedBatchSource(valStore, split.Validation, valOrder, cache.Tensor!, 64);

// Steps 16-18: 20 epochs, an evaluator, a JSON log and a printed table each epoch.
var trainer = new Trainer(new StandardUpdater(model, train, optimizer, _ => { }, seed: 1), epochs: 20, run);
var log = new LogReport(Path.Combine(run, "log"));
trainer.Extend(new Evaluator(model, validation));
trainer.Extend(log);
trainer.Extend(new PrintReport(log, Console.Out));
trainer.Extend(new PlotReport(log, run));
Console.WriteLine("extensions: " + string.Join(", ", trainer.Describe()));
trainer.Run();

// Step 19: read the log back (pd.DataFrame(json.load(f)) reads the same file) and plot accuracy.
var entries = LogReport.Parse(File.ReadAllText(Path.Combine(run, "log")));
var last = entries[^1];
Console.WriteLine($"final validation accuracy {last["validation/main/accuracy"]:0.###}; plots: {Path.Combine(run, "accuracy.png")}, {Path.Combine(run, "loss.png")}");
