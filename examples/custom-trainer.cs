#:project ../src/Tenni/Tenni.csproj
// The parts of `tenni train`, composed differently: res5 fine-tuned with a cosine schedule, the best
// model chosen by validation loss instead of accuracy, a snapshot every 100 iterations (docs/api.md).
// Run from the repository root:  dotnet run examples/custom-trainer.cs [data folder]
using Tenni;
using Tenni.Features;
using Tenni.Training;
using Tenni.Training.Extensions;

string data = args.Length > 0 ? args[0] : "samples/pets";
string run = Path.Combine("runs", "custom");
Directory.CreateDirectory(run);

var options = new TrainOptions { TrainLayers = ["res5"], Epochs = 10 };
var split = DatasetSplit.FromFolder(data);
using var source = SourceModel.Load("resnet18");
source.Freeze(options.TrainLayers, FrozenBatchNorm.Frozen);
using var model = new ClassifierModel(source, "pool5", split.Classes.Count, seed: 1);
using var batches = TrainingBatches.Create(model, split, options, CachePlan.Decide(model, options), Path.Combine(run, "cache"));
var optimizer = TrainingOptimizer.Create(model, options); // one parameter group per rate

var trainer = new Trainer(new StandardUpdater(model, batches.Train, optimizer.Optimizer, seed: 1), options.Epochs, run);
var log = new LogReport(Path.Combine(run, "log"));
trainer.Extend(new LearningRateScheduler(optimizer, LearningRateSchedule.Cosine));
trainer.Extend(new Evaluator(model, batches.Validation));
trainer.Extend(log);
trainer.Extend(new PrintReport(log, Console.Out));
trainer.Extend(new BestModel(folder => TrainedModelFile.Save(folder, model, split.Classes), Path.Combine(run, "best")), trigger: new MinValueTrigger(ObservationKeys.ValidationLoss));
trainer.Extend(new Snapshot(run), trigger: IntervalTrigger.Iterations(100));
trainer.Run();
TrainedModelFile.Save(run, model, split.Classes); // what `tenni predict --run runs/custom` reads
Console.WriteLine($"saved {run}; extensions: {string.Join(", ", trainer.Describe())}");
