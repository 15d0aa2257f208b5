using Tenni.Data;
using Tenni.IO;

namespace Tenni;

/// <summary>
/// Which labelled photos a trained model is evaluated on: its run's validation split (the default), or a
/// folder of class sub-folders matched to the model's classes by name (a held-out test set; it may lack
/// some classes, never add one).
/// </summary>
public static class EvaluationData
{
    /// <summary>The validation photos listed in the run folder that holds <paramref name="modelFolder"/> (the run folder itself, or its parent for best/).</summary>
    public static IReadOnlyList<ImageSample> ValidationSplit(string modelFolder, IReadOnlyList<string> classes)
    {
        foreach (string folder in new[] { modelFolder, Path.GetDirectoryName(Path.GetFullPath(modelFolder).TrimEnd(Path.DirectorySeparatorChar)) ?? modelFolder })
        {
            if (File.Exists(Path.Combine(folder, DatasetSplit.ValidationFile)))
            {
                return DatasetSplit.Load(folder, classes).Validation;
            }
        }

        throw new TenniException($"'{modelFolder}' is not in a run folder with a validation split ({DatasetSplit.ValidationFile}); pass --data a folder of class sub-folders to evaluate on");
    }

    /// <summary>Photos of a folder of class sub-folders, labelled in <paramref name="classes"/>' order.</summary>
    public static (IReadOnlyList<ImageSample> Samples, DataReport Report) Folder(string dataFolder, IReadOnlyList<string> classes)
    {
        if (!Directory.Exists(dataFolder))
        {
            throw new TenniException($"data folder '{dataFolder}' does not exist; expected a folder with one sub-folder per class ({string.Join(", ", classes)})");
        }

        var folder = ImageFolder.Scan(dataFolder, new ImageFolderOptions { SingleClassAllowed = true });
        string[] unknown = [.. folder.Classes.Where(c => !classes.Contains(c))];
        if (unknown.Length > 0)
        {
            throw new TenniException($"'{dataFolder}' has classes the model does not know: {string.Join(", ", unknown.Select(TextEscaping.ForDisplay))}; the model's classes are {string.Join(", ", classes)}");
        }

        var index = classes.Select((name, label) => (name, label)).ToDictionary(c => c.name, c => c.label, StringComparer.Ordinal);
        return ([.. folder.Samples.Select(s => s with { Label = index[folder.Classes[s.Label]] })], folder.Report);
    }
}
