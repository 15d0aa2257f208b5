using Tenni.Native;
using Tenni.Onnx;
using Tenni.Tests.Support;
using static TorchSharp.torch;

namespace Tenni.Tests.Onnx;

public sealed class OperatorParityTests
{
    // fp32 kernels differ between libtorch and ONNX Runtime in summation order only: 1e-5 absolute
    // plus 1e-4 relative covers that for values of order 1 and catches any semantic difference.
    private const double AbsoluteTolerance = 1e-5;
    private const double RelativeTolerance = 1e-4;

    public static TheoryData<OperatorCase> Cases() => new(OperatorCases.All().Concat(ExporterOperatorCases.All()));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Operator_SmallGraph_MatchesOnnxRuntime(OperatorCase testCase)
    {
        // Given a small graph and a random input
        TorchNative.EnsureLoaded();
        int count = (int)testCase.InputShape.Aggregate(1L, (p, d) => p * d);
        float[] input = OperatorCases.Random(count, 42);
        var (expected, expectedShape) = OrtReference.Run(testCase.Model, "x", input, testCase.InputShape, testCase.Output);

        // When Tenni runs it
        using var scope = NewDisposeScope();
        using var graph = OnnxGraph.FromModel(OnnxModelFile.Parse(testCase.Model));
        graph.eval();
        Tensor y = graph.Run(tensor(input, testCase.InputShape), [testCase.Output])[testCase.Output];

        // Then shape and values equal ONNX Runtime's
        Assert.Equal(expectedShape, y.shape);
        TensorAssert.AllClose(expected, y.contiguous().data<float>().ToArray(), AbsoluteTolerance, RelativeTolerance);
    }

    [Fact]
    public void Cases_CoverEveryOperatorInTheTable()
    {
        var tested = OperatorCases.All().Concat(ExporterOperatorCases.All())
            .SelectMany(c => OnnxModelFile.Parse(c.Model).Graph.Node.Select(n => n.OpType))
            .ToHashSet();
        Assert.Empty(OnnxOperatorTable.Supported.Except(tested));
    }
}
