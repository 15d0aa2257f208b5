namespace Tenni.Models.Architectures;

/// <summary>How each weight family names a layer's tensors: Chainer's <c>layer/W</c>, torchvision's <c>layer.weight</c>.</summary>
internal static class FamilyKeys
{
    public static string Weight(WeightFamily family, string chainer, string torch) =>
        family == WeightFamily.Caffe ? $"{chainer}/W" : $"{torch}.weight";

    public static string Bias(WeightFamily family, string chainer, string torch) =>
        family == WeightFamily.Caffe ? $"{chainer}/b" : $"{torch}.bias";

    /// <summary>Scale, bias, running mean, running variance.</summary>
    public static (string, string, string, string) BatchNorm(WeightFamily family, string chainer, string torch) =>
        family == WeightFamily.Caffe
            ? ($"{chainer}/gamma", $"{chainer}/beta", $"{chainer}/avg_mean", $"{chainer}/avg_var")
            : ($"{torch}.weight", $"{torch}.bias", $"{torch}.running_mean", $"{torch}.running_var");
}
