using Tenni.Models;

namespace Tenni.Tests.Support;

/// <summary>One loaded bundled ResNet18 shared by the real-model tests of a class.</summary>
public sealed class ResNet18Fixture : IDisposable
{
    public ResNet18Fixture()
    {
        // Float32: the fixture serves the exact-parity tests (bfloat16 has its own, at its own tolerance).
        Model = SourceModel.Load("resnet18", new SourceModelOptions { Precision = Precision.Fp32 });
    }

    public SourceModel Model { get; }

    public void Dispose() => Model.Dispose();
}
