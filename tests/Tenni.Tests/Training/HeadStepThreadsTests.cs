using Tenni.Tests.Support;
using Tenni.Training;
using static TorchSharp.torch;

namespace Tenni.Tests.Training;

[Collection(TorchCollection.Name)]
public sealed class HeadStepThreadsTests
{
    [Theory]
    [InlineData("pool5", "pool5", 64, 512, 2, true)] // the chapter's recipe: 65,536 multiply-adds a step
    [InlineData("pool5", "pool5", 64, 2048, 37, true)] // 4.8 million
    [InlineData("pool5", "pool5", 64, 2048, 1000, false)] // 131 million: threads pay
    [InlineData(null, "pool5", 64, 512, 2, false)] // not cached: every step runs the network
    [InlineData("res4", "pool5", 64, 512, 2, false)] // cached before the cut: res5 runs every step
    [InlineData("pool5", "pool5", 1, 8_000_000, 1, true)] // at the limit
    [InlineData("pool5", "pool5", 1, 8_000_001, 1, false)]
    public void SingleThreaded_OnlyForSmallHeadsOnTheirOwnCachedInput(string? cacheTensor, string cutTensor, int batch, long inputs, long classes, bool expected) =>
        Assert.Equal(expected, HeadStepThreads.SingleThreaded(cacheTensor, cutTensor, batch, inputs, classes));

    [Fact]
    public void Run_Single_OneThreadInsideThenTheCountBack()
    {
        int original = get_num_threads();
        set_num_threads(2);
        try
        {
            int inside = 0;
            HeadStepThreads.Run(true, () => inside = get_num_threads());
            Assert.Equal(1, inside);
            Assert.Equal(2, get_num_threads());

            HeadStepThreads.Run(false, () => inside = get_num_threads());
            Assert.Equal(2, inside);

            Assert.Throws<InvalidOperationException>(() => HeadStepThreads.Run(true, () => throw new InvalidOperationException()));
            Assert.Equal(2, get_num_threads());
        }
        finally
        {
            set_num_threads(original);
        }
    }
}
