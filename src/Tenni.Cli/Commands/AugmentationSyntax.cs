using System.Globalization;

namespace Tenni.Cli.Commands;

/// <summary>
/// The <c>--augment</c> grammar shared by <c>train</c>, <c>lr-find</c> and <c>show</c>: comma-separated
/// names, some with a value (<c>flip,crop,rotate=10,jitter=0.2,randaugment=2:9</c>); a name without its
/// value takes the default below, and a later entry overrides an earlier one.
/// </summary>
internal static class AugmentationSyntax
{
    public const double DefaultRotation = 10;

    public const double DefaultJitter = 0.2;

    /// <summary>torchvision's RandAugment defaults: two ops at magnitude 9.</summary>
    public const int DefaultOps = 2;

    public const int DefaultMagnitude = 9;

    public const string Valid = "flip, crop, rotate[=DEGREES], jitter[=X], brightness[=X], contrast[=X], saturation[=X], randaugment[=N:M]";

    /// <summary>The augmentation <paramref name="text"/> names (none when null or empty), range-checked.</summary>
    public static Augmentation Parse(string? text)
    {
        var augmentation = new Augmentation();
        foreach (string entry in text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])
        {
            augmentation = Apply(augmentation, entry);
        }

        try
        {
            augmentation.Validate();
        }
        catch (TenniException e)
        {
            throw new TenniException($"--augment: {e.Message}");
        }

        return augmentation;
    }

    private static Augmentation Apply(Augmentation a, string entry)
    {
        int equals = entry.IndexOf('=', StringComparison.Ordinal);
        string name = (equals < 0 ? entry : entry[..equals]).ToLowerInvariant();
        string? value = equals < 0 ? null : entry[(equals + 1)..];
        return name switch
        {
            "flip" => NoValue(name, value, a with { HorizontalFlip = true }),
            "crop" => NoValue(name, value, a with { RandomResizedCrop = true }),
            "rotate" => a with { RotationDegrees = Number(name, value, DefaultRotation, "degrees, e.g. rotate=10 (0 to 180)") },
            "jitter" => Jitter(a, Number(name, value, DefaultJitter, "a strength, e.g. jitter=0.2 (0 to 1)")),
            "brightness" => a with { Brightness = Number(name, value, DefaultJitter, "a strength, e.g. brightness=0.2 (0 to 10)") },
            "contrast" => a with { Contrast = Number(name, value, DefaultJitter, "a strength, e.g. contrast=0.2 (0 to 1)") },
            "saturation" => a with { Saturation = Number(name, value, DefaultJitter, "a strength, e.g. saturation=0.2 (0 to 1)") },
            "randaugment" => RandAugment(a, value),
            _ => throw new TenniException($"unknown augmentation '{entry}'; valid: {Valid}"),
        };
    }

    private static Augmentation Jitter(Augmentation a, double strength) =>
        a with { Brightness = strength, Contrast = strength, Saturation = strength };

    private static Augmentation NoValue(string name, string? value, Augmentation result) =>
        value is null ? result : throw new TenniException($"--augment: '{name}' takes no value, got '{name}={value}'; valid: {Valid}");

    private static double Number(string name, string? value, double fallback, string expected)
    {
        if (value is null)
        {
            return fallback;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number)
            ? number
            : throw new TenniException($"--augment: '{name}={value}' is not a number; expected {expected}");
    }

    private static Augmentation RandAugment(Augmentation a, string? value)
    {
        if (value is null)
        {
            return a with { RandAugmentOps = DefaultOps, RandAugmentMagnitude = DefaultMagnitude };
        }

        string[] parts = value.Split(':');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int ops) && ops >= 1
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int magnitude)
            ? a with { RandAugmentOps = ops, RandAugmentMagnitude = magnitude }
            : throw new TenniException($"--augment: 'randaugment={value}' is not N:M; expected e.g. randaugment=2:9 (N ops per image, 1 to 10; magnitude M, 0 to 30)");
    }
}
