namespace Tenni;

/// <summary>How a folder of class folders is divided into training and validation photos (<c>docs/data.md</c>).</summary>
public enum SplitMethod
{
    /// <summary>Each class split on its own, seeded, identical files kept on one side (the default).</summary>
    Stratified,

    /// <summary>One seeded random split over all photos, identical files kept on one side.</summary>
    Random,

    /// <summary>
    /// Chainer's <c>split_dataset_random(dataset, int(n × fraction), seed)</c> bit for bit: NumPy's
    /// <c>RandomState(seed).permutation(n)</c> over the photos in label order, then by name; the first
    /// part trains. For users moving from the chapter; identical files are not kept together.
    /// </summary>
    Chainer,
}
