using System.Diagnostics;

namespace Tenni.Training;

/// <summary>
/// Chainer's <c>Trainer</c>: per iteration a fresh observation, the updater's step, then every extension
/// whose trigger fires, by priority, until the stop trigger (a number of epochs) or an extension stops it.
/// </summary>
public sealed class Trainer(StandardUpdater updater, int epochs, string outFolder)
{
    private readonly List<ITrainerExtension> _extensions = [];
    private readonly Stopwatch _clock = new();

    public StandardUpdater Updater { get; } = updater;

    public int Epochs { get; } = epochs;

    public string OutFolder { get; } = outFolder;

    /// <summary>What this iteration reported (<c>main/loss</c>, <c>validation/main/accuracy</c>, …).</summary>
    public Dictionary<string, double> Observation { get; private set; } = [];

    /// <summary>Seconds of training so far, including those before a resume.</summary>
    public double ElapsedTime => ElapsedBefore + _clock.Elapsed.TotalSeconds;

    public double ElapsedBefore { get; set; }

    public bool StopRequested { get; set; }

    public IReadOnlyList<ITrainerExtension> Extensions => _extensions;

    public void Extend(ITrainerExtension extension) => _extensions.Add(extension);

    /// <summary>The extensions in the order they run (Chainer's priorities, then registration order).</summary>
    public IEnumerable<string> Describe() => Ordered().Select(e => $"{e.Name} (priority {e.Priority})");

    public void Run()
    {
        var ordered = Ordered().ToList();
        _clock.Start();
        while (!StopRequested && Updater.Epoch < Epochs)
        {
            Observation = [];
            Updater.Update(Observation);
            foreach (var extension in ordered.Where(e => e.ShouldRun(this)))
            {
                extension.Run(this);
            }
        }

        _clock.Stop();
    }

    private IEnumerable<ITrainerExtension> Ordered() => _extensions.Select((e, i) => (e, i)).OrderByDescending(x => x.e.Priority).ThenBy(x => x.i).Select(x => x.e);
}
