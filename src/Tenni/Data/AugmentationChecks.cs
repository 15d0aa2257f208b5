using System.Globalization;

namespace Tenni;

/// <summary>The range checks and the one-line description shared by <c>tenni train</c>, <c>tenni show</c> and the cache's reason.</summary>
public sealed partial record Augmentation
{
    /// <summary>Throws <see cref="TenniException"/> naming the first setting out of range and what is valid.</summary>
    internal void Validate()
    {
        Require(double.IsFinite(MinScale) && double.IsFinite(MaxScale) && MinScale > 0 && MinScale <= MaxScale && MaxScale <= 1,
            $"crop scale must satisfy 0 < min ≤ max ≤ 1, got [{MinScale}, {MaxScale}]");
        Require(double.IsFinite(RotationDegrees) && RotationDegrees is >= 0 and <= 180, $"rotation must be 0 to 180 degrees (0: off), got {RotationDegrees}");
        Require(double.IsFinite(Brightness) && Brightness is >= 0 and <= 10, $"brightness jitter must be 0 to 10 (factors in [max(0, 1 − x), 1 + x]; 0: off), got {Brightness}");
        Require(double.IsFinite(Contrast) && Contrast is >= 0 and <= 1, $"contrast jitter must be 0 to 1 (0: off), got {Contrast}");
        Require(double.IsFinite(Saturation) && Saturation is >= 0 and <= 1, $"saturation jitter must be 0 to 1 (0: off), got {Saturation}");
        Require(RandAugmentOps is >= 0 and <= 10, $"RandAugment ops (N) must be 1 to 10 (0: off), got {RandAugmentOps}");
        Require(RandAugmentMagnitude is >= 0 and <= Data.RandAugmentPolicy.MaxMagnitude, $"RandAugment magnitude (M) must be 0 to {Data.RandAugmentPolicy.MaxMagnitude}, got {RandAugmentMagnitude}");
    }

    /// <summary>What is on, in the <c>--augment</c> spelling (e.g. "flip, rotate=10, brightness=0.2"), or "none".</summary>
    internal string Describe()
    {
        var parts = new List<string>();
        Add(HorizontalFlip, "flip");
        Add(RandomResizedCrop, MinScale == 0.08 && MaxScale == 1 ? "crop" : $"crop (scale {Number(MinScale)} to {Number(MaxScale)})");
        Add(RandAugmentOps > 0, $"randaugment={RandAugmentOps}:{RandAugmentMagnitude}");
        Add(RotationDegrees > 0, $"rotate={Number(RotationDegrees)}");
        Add(Brightness > 0, $"brightness={Number(Brightness)}");
        Add(Contrast > 0, $"contrast={Number(Contrast)}");
        Add(Saturation > 0, $"saturation={Number(Saturation)}");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);

        void Add(bool on, string text)
        {
            if (on)
            {
                parts.Add(text);
            }
        }
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new TenniException(message);
        }
    }
}
