using Tenni.Imaging;

namespace Tenni.Data;

/// <summary>One RandAugment op: its name, its strength at magnitude 30, and whether it is also applied negated.</summary>
internal sealed record RandAugmentOp(string Name, double Max, bool Signed, Func<RgbImage, double, RgbImage> Apply);
