namespace Tenni.Models.Architectures;

/// <summary>Names the architecture a weight file's keys belong to, so that a file given for the wrong model says what it is.</summary>
internal static class ArchitectureGuess
{
    public static string Describe(IEnumerable<string> keys, string expected)
    {
        var set = keys.ToHashSet(StringComparer.Ordinal);
        string? guess = Guess(set);
        string sample = string.Join(", ", set.Order(StringComparer.Ordinal).Take(3));
        return guess is null
            ? $"it does not hold {expected} weights in Chainer or torchvision names (its first tensors: {sample})"
            : guess.Split(' ')[0] == expected
                ? $"it looks like {guess} weights but is incomplete (its first tensors: {sample})"
                : guess.StartsWith("a ", StringComparison.Ordinal)
                    ? $"it holds {guess}, not {expected}"
                    : $"it holds {guess} weights, not {expected}: use --model {guess.Split(' ')[0]}";
    }

    /// <summary>The hint for a file whose tensors do not fit <paramref name="expected"/>: empty unless the keys name another architecture.</summary>
    public static string OtherArchitecture(IEnumerable<string> keys, string expected)
    {
        string? guess = Guess(keys.ToHashSet(StringComparer.Ordinal));
        return guess is null || guess.Split(' ')[0] == expected ? "" : "; " + Describe(keys, expected);
    }

    /// <summary>"vgg16", "googlenet", "resnet50" … (with the naming in brackets), or null.</summary>
    public static string? Guess(IReadOnlySet<string> keys)
    {
        if (keys.Contains("features.0.weight"))
        {
            return "vgg16 (torchvision names)";
        }

        if (keys.Contains("conv1_1/W"))
        {
            return "vgg16 (Chainer names)";
        }

        if (keys.Contains("inception3a.branch1.conv.weight"))
        {
            return "googlenet (torchvision names)";
        }

        if (keys.Contains("inc3a/conv1/W"))
        {
            return "googlenet (Chainer names)";
        }

        int torchBlocks = CountBlocks(keys, i => $"layer3.{i}.conv1.weight");
        if (torchBlocks > 0)
        {
            return $"{ResNetName(torchBlocks, keys.Contains("layer1.0.conv3.weight"))} (torchvision names)";
        }

        int chainerBlocks = CountBlocks(keys, i => i == 0 ? "res4/a/conv1/W" : $"res4/b{i}/conv1/W");
        return chainerBlocks > 0 ? $"{ResNetName(chainerBlocks, true)} (Chainer names)" : null;
    }

    private static int CountBlocks(IReadOnlySet<string> keys, Func<int, string> key)
    {
        int n = 0;
        while (keys.Contains(key(n)))
        {
            n++;
        }

        return n;
    }

    private static string ResNetName(int stage4Blocks, bool bottleneck) => (stage4Blocks, bottleneck) switch
    {
        (6, true) => "resnet50",
        (23, true) => "resnet101",
        (36, true) => "resnet152",
        (2, false) => "resnet18",
        (6, false) => "resnet34",
        _ => $"a ResNet with {stage4Blocks} blocks in its 4th stage",
    };
}
