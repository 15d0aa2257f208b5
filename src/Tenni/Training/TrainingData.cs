using Tenni.Data;

namespace Tenni.Training;

/// <summary>A recipe's data, scanned and split: class folders, or a labels CSV (<see cref="LabelsCsv"/>) split at random.</summary>
internal static class TrainingData
{
    /// <param name="decoded">Given each readable image of class folders as the scan decodes it (see <see cref="ImageFolderOptions.Decoded"/>).</param>
    public static (DatasetSplit Split, IReadOnlyList<(string FileName, DataReport Report)> Reports) Read(string data, TrainOptions options, Action<Imaging.DecodedImage>? decoded = null, CancellationToken cancel = default)
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

        // Every core decodes: the forward pass fed by `decoded` takes turns with the scan (ScanExtraction).
        return DatasetSplit.FromFolderWithReports(data, decoded is null ? folderOptions : folderOptions with { Decoded = decoded, Cancel = cancel }, splitOptions);
    }
}
