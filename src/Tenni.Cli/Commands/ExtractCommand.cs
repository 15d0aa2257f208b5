using System.CommandLine;
using Tenni.Features;
using Tenni.Imaging;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni extract</c>: Chainer's <c>extract(images, layers=[...])</c> into a NumPy file.</summary>
internal static class ExtractCommand
{
    public static Command Create(CommandContext context)
    {
        var paths = new Argument<string[]>("paths") { Description = "Image files or folders (folders: all files, sorted)", Arity = ArgumentArity.OneOrMore };
        var model = CommonOptions.Model();
        var weights = CommonOptions.Weights();
        var preprocessing = CommonOptions.Preprocessing();
        var layer = new Option<string?>("--layer", "-l") { Description = "Layer to extract (default: the model's feature layer, pool5 for resnet18)" };
        var output = new Option<string?>("--out", "-o") { Description = ".npy file to write (default features.npy); the file list goes beside it as NAME.files.txt. With --shard: the feature store folder" };
        var batch = new Option<int>("--batch", "-b") { Description = "Images per forward pass (with --shard: 32, as training's cache, so the rows are the same)", DefaultValueFactory = _ => 32 };
        var precision = CommonOptions.Precision();
        var device = CommonOptions.Device();
        var shard = new Option<string?>("--shard") { Description = "Write shard I/N of a feature store (counted from 0), or auto: from JOB_COMPLETION_INDEX (Kubernetes, with --shards) or SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (Slurm); PATHS is then one class-folder tree" };
        var shards = new Option<int?>("--shards") { Description = "The number of shards, for --shard auto (a Kubernetes Job's completions)" };
        var chunkRows = new Option<int>("--chunk-rows") { Description = "With --shard: rows per chunk, what a killed shard redoes at most", DefaultValueFactory = _ => 1024 };
        var float16 = new Option<bool>("--float16") { Description = "With --shard: store rows as float16 (half the disk)" };
        var command = new Command("extract", "Write a layer's output for each image to a float32 .npy file, or one shard of a feature store (--shard)") { paths, model, weights, preprocessing, layer, output, batch, shard, shards, chunkRows, float16, precision, device };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            string[] inputs = parsed.GetValue(paths)!;
            if (parsed.GetValue(shard) is { } spec)
            {
                var selected = Shard.Parse(spec, parsed.GetValue(shards), Environment.GetEnvironmentVariable);
                string store = parsed.GetValue(output) ?? throw new TenniException("--shard writes into a feature store folder: give it with --out STORE (on storage every shard reaches)");
                return ExtractShard(context, inputs, selected, store, CommonOptions.Positive(parsed.GetValue(chunkRows), "--chunk-rows"), parsed.GetValue(float16), () => CommonOptions.LoadModel(parsed, model, weights, preprocessing, precision, device), parsed.GetValue(layer));
            }

            if (parsed.GetValue(shards) is not null || parsed.GetValue(float16) || parsed.GetResult(chunkRows) is { Implicit: false })
            {
                throw new TenniException("--shards, --chunk-rows and --float16 describe a feature store; add --shard I/N (or auto) and --out STORE");
            }

            string target = parsed.GetValue(output) ?? "features.npy";
            OutputGuard.Check(target, "--out", inputs);
            OutputGuard.Check(FeatureExtractor.FileListPath(target), "--out's file list", inputs);
            int batchSize = CommonOptions.Positive(parsed.GetValue(batch), "--batch");
            CommonOptions.CheckDevice(parsed, device); // a device this build lacks: said before any file is read
            var notFollowed = new List<Data.SkippedImage>();
            var files = ImageFiles.Expand(inputs, notFollowed);
            foreach (var skip in notFollowed)
            {
                context.Error.WriteLine($"skipped ({skip.Reason}): {TextEscaping.ForDisplay(skip.Message)}");
            }

            using var source = CommonOptions.LoadModel(parsed, model, weights, preprocessing, precision, device);
            string layerName = parsed.GetValue(layer) ?? source.Descriptor.DefaultLayer;
            _ = source.OutputShape(layerName); // unknown layer: fail before any work
            var extractor = new FeatureExtractor(source, layerName, batchSize);
            var result = extractor.ExtractToNpy(files, target, ProgressDisplay.Files(context, "extract"));
            foreach (var skip in result.Skipped)
            {
                context.Error.WriteLine($"skipped: {TextEscaping.ForDisplay(skip.Reason)}");
            }

            context.Output.WriteLine($"wrote {target}: float32 ({result.Files.Count}, {string.Join(", ", result.RowShape)}), layer {layerName} of {source.Descriptor.Name}; file list: {FeatureExtractor.FileListPath(target)}; skipped {result.Skipped.Count}");
            return 0;
        }));
        return command;
    }

    private static int ExtractShard(CommandContext context, string[] inputs, Shard shard, string store, int chunkRows, bool float16, Func<SourceModel> load, string? layer)
    {
        if (inputs.Length != 1 || !Directory.Exists(inputs[0]))
        {
            throw new TenniException($"--shard extracts one folder with one sub-folder per class; got {string.Join(" ", inputs.Select(i => $"'{i}'"))}");
        }

        OutputGuard.CheckPlace(store, "--out", inputs);
        var result = ShardExtractor.Completed(store, shard) ?? Extract(context, inputs[0], shard, store, chunkRows, float16, load, layer);
        foreach (string skip in result.Skipped)
        {
            context.Error.WriteLine($"skipped: {TextEscaping.ForDisplay(skip)}");
        }

        context.Output.WriteLine(result.AlreadyComplete
            ? $"shard {shard} is already complete in {store} ({result.Files} files, {result.Rows} rows); nothing to do"
            : $"shard {shard}: {result.Files} files, {result.Rows} rows into {store}; {result.ChunksComputed} chunks computed, {result.ChunksKept} kept from an earlier run; skipped {result.Skipped.Count}");
        return 0;
    }

    private static ShardResult Extract(CommandContext context, string folder, Shard shard, string store, int chunkRows, bool float16, Func<SourceModel> load, string? layer)
    {
        using var source = load();
        string layerName = layer ?? source.Descriptor.DefaultLayer;
        _ = source.OutputShape(layerName); // unknown layer: fail before any work
        return new ShardExtractor(source, layerName, chunkRows, float16).Extract(folder, shard, store, ProgressDisplay.Files(context, $"shard {shard} ({layerName})"));
    }
}
