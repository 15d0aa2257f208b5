using Tenni.Training;
using Tenni.Training.Extensions;

namespace Tenni.Tests.Training.Loop;

/// <summary>The trainer's contract with a fake updater: stop trigger, extension order and triggers, hooks, names.</summary>
public sealed class TrainerTests
{
    [Fact]
    public void Run_StopTriggerInEpochs_RunsExactlyThoseIterations()
    {
        var updater = new FakeUpdater(iterationsPerEpoch: 3);

        new Trainer(updater, epochs: 2).Run();

        Assert.Equal([0, 1, 2, 3, 4, 5], updater.Updated);
        Assert.Equal(2, updater.Epoch);
    }

    [Fact]
    public void Run_StopTriggerInIterations_StopsMidEpoch()
    {
        var updater = new FakeUpdater(iterationsPerEpoch: 3);

        new Trainer(updater, IntervalTrigger.Iterations(4)).Run();

        Assert.Equal(4, updater.Iteration);
        Assert.Equal(1, updater.Epoch);
    }

    [Fact]
    public void Run_Extensions_ByPriorityThenRegistrationOrder_WhenTheirTriggersFire()
    {
        var calls = new List<string>();
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 2), epochs: 2);
        trainer.Extend(new RecordingExtension(calls, "reader"));
        trainer.Extend(new RecordingExtension(calls, "writer", ExtensionPriority.Writer));
        trainer.Extend(new RecordingExtension(calls, "every3", ExtensionPriority.Reader, IntervalTrigger.Iterations(3)));
        trainer.Extend(new RecordingExtension(calls, "editor"), priority: ExtensionPriority.Editor);

        trainer.Run();

        Assert.Equal(
            [
                "writer.initialize", "editor.initialize", "reader.initialize", "every3.initialize",
                "writer@2", "editor@2", "reader@2",
                "every3@3",
                "writer@4", "editor@4", "reader@4",
                "writer.finalize", "editor.finalize", "reader.finalize", "every3.finalize",
            ],
            calls);
    }

    [Fact]
    public void Run_UpdaterThrows_OnErrorThenFinalizeForEveryExtension_AndTheErrorPropagates()
    {
        var calls = new List<string>();
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 2) { FailAt = 3 }, epochs: 5);
        trainer.Extend(new RecordingExtension(calls, "a"));
        trainer.Extend(new RecordingExtension(calls, "b"));

        var error = Assert.Throws<InvalidOperationException>(trainer.Run);

        Assert.Equal("failing at iteration 3", error.Message);
        Assert.Equal(["a.initialize", "b.initialize", "a@2", "b@2", "a.error:InvalidOperationException", "b.error:InvalidOperationException", "a.finalize", "b.finalize"], calls);
    }

    [Fact]
    public void Extend_SameNameTwice_SecondGetsSuffix()
    {
        var trainer = new Trainer(new FakeUpdater(1), epochs: 1);
        var first = new RecordingExtension([], "report");
        var second = new RecordingExtension([], "report");

        trainer.Extend(first);
        trainer.Extend(second);

        Assert.Same(first, trainer.GetExtension("report"));
        Assert.Same(second, trainer.GetExtension("report_1"));
    }

    [Fact]
    public void RequestStop_ByAnExtension_EndsAfterThatIteration()
    {
        var updater = new FakeUpdater(iterationsPerEpoch: 2);
        var trainer = new Trainer(updater, epochs: 10);
        trainer.Extend(new StopAtEpoch(3));

        trainer.Run();

        Assert.Equal(3, updater.Epoch);
        Assert.True(trainer.StopRequested);
    }

    [Fact]
    public void IntervalTrigger_EveryTwoEpochs_FiresAtTheEndOfEpochsTwoAndFour()
    {
        var calls = new List<string>();
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 3), epochs: 5);
        trainer.Extend(new RecordingExtension(calls, "x"), IntervalTrigger.Epochs(2));

        trainer.Run();

        Assert.Equal(["x@6", "x@12"], calls.Where(c => c.Contains('@')));
    }

    [Fact]
    public void IntervalTrigger_PeriodZero_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IntervalTrigger.Epochs(0));
    }

    [Theory]
    [InlineData(true, new[] { 0.5, 0.7, 0.7, 0.6, 0.9 }, new[] { 1, 2, 5 })]
    [InlineData(false, new[] { 0.5, 0.7, 0.4, 0.4, 0.3 }, new[] { 1, 3, 5 })]
    public void BestValueTrigger_FiresOnlyOnAStrictImprovement(bool maximum, double[] values, int[] expectedEpochs)
    {
        var calls = new List<string>();
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 2), epochs: values.Length);
        trainer.Extend(new FixedEvaluator(maximum ? values : values.Select(v => 1 - v).ToArray()));
        ITrigger trigger = maximum ? new MaxValueTrigger(ObservationKeys.ValidationAccuracy) : new MinValueTrigger(ObservationKeys.ValidationLoss);
        trainer.Extend(new RecordingExtension(calls, "best"), trigger);

        trainer.Run();

        Assert.Equal(expectedEpochs.Select(e => $"best@{e * 2}"), calls.Where(c => c.Contains('@')));
    }

    [Fact]
    public void BestValueTrigger_KeyNeverReported_NeverFires()
    {
        var calls = new List<string>();
        var trainer = new Trainer(new FakeUpdater(iterationsPerEpoch: 2), epochs: 3);
        trainer.Extend(new RecordingExtension(calls, "best"), new MaxValueTrigger(ObservationKeys.ValidationAccuracy));

        trainer.Run();

        Assert.DoesNotContain(calls, c => c.Contains('@'));
    }

    [Fact]
    public void Describe_ListsExtensionsInRunOrderWithTriggers()
    {
        var trainer = new Trainer(new FakeUpdater(1), epochs: 1);
        trainer.Extend(new RecordingExtension([], "late"));
        trainer.Extend(new RecordingExtension([], "early", ExtensionPriority.Writer));

        Assert.Equal(["early (priority 300, every 1 epoch)", "late (priority 100, every 1 epoch)"], trainer.Describe());
    }
}
