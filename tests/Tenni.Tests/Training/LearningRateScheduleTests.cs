using Tenni.Training;

namespace Tenni.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void Factor_EachSchedule_StartPeakAndEnd()
    {
        Assert.Equal(1, LearningRateSchedule.Constant.Factor(37, 100));
        Assert.Equal(1, LearningRateSchedule.Cosine.Factor(0, 101), 9);
        Assert.Equal(0.5, LearningRateSchedule.Cosine.Factor(50, 101), 9);
        Assert.Equal(0, LearningRateSchedule.Cosine.Factor(100, 101), 9);
        Assert.Equal(1.0 / 25, LearningRateSchedule.OneCycle.Factor(0, 101), 9);
        Assert.Equal(1, LearningRateSchedule.OneCycle.Factor(25, 101), 9);
        Assert.Equal(1e-4, LearningRateSchedule.OneCycle.Factor(100, 101), 9);
    }
}
