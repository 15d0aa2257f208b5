namespace Tenni.Tests.Support;

/// <summary>The ONNX classifiers in ../shared/models (torchvision architectures, random weights, reference outputs beside each).</summary>
internal static class SharedModels
{
    public static readonly string[] Names = ["mobilenet_v2", "efficientnet_b0", "squeezenet1_1", "shufflenet_v2_x1_0"];

    public static string Folder { get; } = System.IO.Path.GetFullPath(System.IO.Path.Combine(TestData.PetImages, "..", "..", "models"));

    public static string File(string name) => Path(name, name + ".onnx");

    public static string Path(string name, string file) => System.IO.Path.Combine(Folder, name, file);
}
