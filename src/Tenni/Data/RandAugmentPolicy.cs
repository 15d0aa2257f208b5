using Tenni.Imaging;

namespace Tenni.Data;

/// <summary>
/// torchvision's <c>RandAugment</c> (Cubuk et al. 2020) with the ops that keep a photo a photo: each
/// image gets N ops drawn uniformly with replacement, each at magnitude M of 30 (torchvision's 31 bins),
/// negated half of the time where the op has a direction. Posterize, solarize, equalize and sharpness
/// are left out: they make pictures no camera takes. Ranges at M = 30 are torchvision's.
/// </summary>
internal static class RandAugmentPolicy
{
    public const int MaxMagnitude = 30;

    private static readonly RandAugmentOp[] Ops =
    [
        new("identity", 0, Signed: false, (image, _) => image),
        new("autocontrast", 0, Signed: false, (image, _) => ColorAdjust.AutoContrast(image)),
        new("brightness", 0.9, Signed: true, (image, m) => ColorAdjust.Brightness(image, 1 + m)),
        new("contrast", 0.9, Signed: true, (image, m) => ColorAdjust.Contrast(image, 1 + m)),
        new("color", 0.9, Signed: true, (image, m) => ColorAdjust.Saturation(image, 1 + m)),
        new("rotate", 30, Signed: true, ImageAffine.Rotate),
        new("shear-x", 0.3, Signed: true, ImageAffine.ShearX),
        new("shear-y", 0.3, Signed: true, ImageAffine.ShearY),
        new("translate-x", 150.0 / 331, Signed: true, (image, m) => ImageAffine.Translate(image, m * image.Width, 0)),
        new("translate-y", 150.0 / 331, Signed: true, (image, m) => ImageAffine.Translate(image, 0, m * image.Height)),
    ];

    public static IReadOnlyList<string> OpNames { get; } = Ops.Select(o => o.Name).ToArray();

    public static RgbImage Apply(RgbImage image, int ops, int magnitude, Random rng) =>
        Draw(ops, magnitude, rng).Aggregate(image, (current, step) => step.Op.Apply(current, step.Magnitude));

    /// <summary>The ops one image gets and the signed magnitude of each, in the order they run.</summary>
    public static IReadOnlyList<(RandAugmentOp Op, double Magnitude)> Draw(int ops, int magnitude, Random rng)
    {
        var steps = new List<(RandAugmentOp, double)>(ops);
        for (int n = 0; n < ops; n++)
        {
            var op = Ops[rng.Next(Ops.Length)];
            double value = op.Max * magnitude / MaxMagnitude;
            steps.Add((op, op.Signed && rng.NextDouble() < 0.5 ? -value : value));
        }

        return steps;
    }
}
