using Tenni.Data;

namespace Tenni.Training;

/// <summary>A recipe's data, scanned and split: class folders, or a labels CSV (<see cref="LabelsCsv"/>) split at random.</summary>
internal static class TrainingData
{
    /// <param name="decoded">Given each readable image of class folders as the scan decodes it (see <see cref="ImageFolderOptions.Decoded"/>).</param>
    public static (DatasetSplit Split, IReadOnlyList<(string FileName, DataReport Report)> Reports) Read(string data, TrainOptions options, Action<Imaging.DecodedImage>? decoded = null)
    {
        var folderOptions = new ImageFolderOptions { Classes = options.Classes, PerClass = options.PerClass };
        var splitOptions = new SplitOptions { TrainFraction = options.TrainFraction, Seed = options.Seed, Method = options.SplitMethod };
        if (LabelsCsv.IsLabelsFile(data))
        {
            // Split like a class folder: identical files together, stratified by each photo's first label.
            var labelled = LabelsCsv.Read(data, options.MultiLabel, folderOptions);
            return (DatasetSplit.Random(labelled, splitOptions), [("data-report.json", labelled.Report)]);
        }

        if (options.MultiLabel)
        {
            throw new TenniException($"--multi-label needs label sets from a labels file (--labels FILE.csv); '{data}' is not one");
        }

        // With the forward pass running beside the scan, half the cores decode: on 2 cores one decoder and
        // libtorch's 2 threads beat two decoders by 1.2× (scan-split benchmark, docs/benchmarks.md).
        return DatasetSplit.FromFolderWithReports(data, decoded is null ? folderOptions : folderOptions with { Decoded = decoded, Workers = Math.Max(1, Environment.ProcessorCount / 2) }, splitOptions);
    }
}
