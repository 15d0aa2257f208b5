using Tenni.IO.Weights;
using Tenni.Models.Architectures;

namespace Tenni.Tests.Hardening;

public sealed class FileWeightBinderTests
{
    [Fact]
    public void Take_ShapeOtherThanTheArchitectures_RefusedWithoutReadingTheValues()
    {
        // Given an array whose values would be read (and allocated) only if asked for
        bool read = false;
        var arrays = new Dictionary<string, WeightArray>
        {
            ["conv1_1/W"] = new("conv1_1/W", [500_000_000], "F32", () =>
            {
                read = true;
                return [];
            }),
        };
        var binder = new FileWeightBinder(arrays, "huge.npz", "vgg16");

        // When the architecture asks for the shape it needs
        var e = Assert.Throws<TenniException>(() => binder.Take("conv1_1/W", [64, 3, 3, 3], "conv1_1"));

        // Then the file's shape is refused and its data never read
        Assert.Contains("has shape [500000000], expected [64, 3, 3, 3]", e.Message);
        Assert.False(read);
    }
}
