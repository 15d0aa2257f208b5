using Tenni.Models;

namespace Tenni.Tests.Support;

/// <summary>One loaded bundled ResNet18 shared by the real-model tests of a class.</summary>
public sealed class ResNet18Fixture : IDisposable
{
    public ResNet18Fixture()
    {
        Model = SourceModel.Load("resnet18");
    }

    public SourceModel Model { get; }

    public void Dispose() => Model.Dispose();
}
