using Tenni.Onnx.Operators;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Onnx;

/// <summary>
/// Channels-last 1×1 convolutions against a float64 reference: the shapes where oneDNN's brgconv_1x1
/// kernel gave wrong values (256→512) or crashed (1024→2048) on an AVX-512 EPYC.
/// </summary>
public sealed class PointwiseConvolutionTests
{
    [Theory]
    [InlineData(256, 512, 14, 2)]
    [InlineData(256, 512, 7, 1)]
    [InlineData(1024, 2048, 14, 2)]
    [InlineData(64, 128, 56, 2)]
    [InlineData(3, 5, 4, 1)]
    public void TryChannelsLast_ResNetShortcutShapes_MatchFloat64Reference(int inputs, int outputs, int size, int stride)
    {
        var generator = new Generator(7);
        using var scope = NewDisposeScope();
        Tensor x = randn(2, inputs, size, size, generator: generator);
        Tensor w = randn(outputs, inputs, 1, 1, generator: generator) * (1.0 / Math.Sqrt(inputs));
        Tensor bias = randn(outputs, generator: generator);
        Tensor channelsLast = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

        Tensor? y = PointwiseConvolution.TryChannelsLast(channelsLast, w, bias, [stride, stride], [0, 0], 1);

        Tensor expected = nn.functional.conv2d(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), bias.to_type(ScalarType.Float64), [stride, stride]);
        Assert.NotNull(y);
        Assert.Equal(expected.shape, y.shape);
        Assert.True(y.permute(0, 2, 3, 1).is_contiguous(), "the output stays channels-last");

        // fp32 sums of up to 1024 products of unit-scale values: 1e-4 is ~100× their rounding error.
        TensorAssert.AllClose(expected.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), y.contiguous().data<float>().ToArray(), 1e-4);
    }

    [Fact]
    public void TryChannelsLast_GroupedPaddedOrNchw_LeftToTheConvolution()
    {
        using var scope = NewDisposeScope();
        Tensor x = randn(1, 4, 5, 5);
        Tensor last = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

        Assert.Null(PointwiseConvolution.TryChannelsLast(x, randn(8, 4, 1, 1), null, [1, 1], [0, 0], 1));
        Assert.Null(PointwiseConvolution.TryChannelsLast(last, randn(8, 2, 1, 1), null, [1, 1], [0, 0], 2));
        Assert.Null(PointwiseConvolution.TryChannelsLast(last, randn(8, 4, 1, 1), null, [1, 1], [1, 1], 1));
        Assert.Null(PointwiseConvolution.TryChannelsLast(last, randn(8, 4, 3, 3), null, [1, 1], [0, 0], 1));
    }
}
