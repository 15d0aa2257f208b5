using System.Security.Cryptography;
using Tenni.Imaging;
using Tenni.Training;

namespace Tenni.Tests.Hardening;

/// <summary>A model folder written by <see cref="TrainedModelFile"/> around stand-in weights bytes: enough for its reader, no source model needed.</summary>
internal static class TinyModelFolder
{
    public static readonly string[] Classes = ["cat", "dog", "horse"];

    public static string Create(out TrainedModelFile info, HeadTraining? training = null)
    {
        string folder = Directory.CreateTempSubdirectory("tenni-model").FullName;
        string weights = Path.Combine(folder, "model.safetensors");
        File.WriteAllBytes(weights, Enumerable.Range(0, 4096).Select(i => (byte)(i * 31)).ToArray());
        info = new TrainedModelFile(
            "resnet18",
            new string('a', 64),
            "/models/resnet18.onnx",
            null,
            "pool5",
            Classes,
            [Classes.Length, 512],
            "caffe",
            224,
            256,
            ResizeFilter.Bicubic,
            "model.safetensors",
            Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(weights))).ToLowerInvariant(),
            weights,
            training);
        TrainedModelFile.Write(folder, info);
        return folder;
    }

    /// <summary>Two infos mean the same model when every checksummed field and the weights file agree.</summary>
    public sealed class SameMeaning : IEqualityComparer<TrainedModelFile>
    {
        public bool Equals(TrainedModelFile? x, TrainedModelFile? y) =>
            x is not null && y is not null && TrainedModelFile.Integrity(x) == TrainedModelFile.Integrity(y) && x.WeightsPath == y.WeightsPath;

        public int GetHashCode(TrainedModelFile obj) => 0;
    }
}
