using System.Diagnostics;
using System.Text.Json.Nodes;
using Tenni.IO;

namespace Tenni.Training;

/// <summary>
/// Chainer's <c>Trainer</c>: until the stop trigger is reached, a fresh observation, the updater's step,
/// then every extension whose trigger fires, by priority (then registration order). Extensions are
/// initialized before the first step and finalized in a <c>finally</c>, after <c>OnError</c> if a step
/// or an extension threw. <see cref="Save"/> and <see cref="Restore"/> carry the updater's, every
/// extension's and every trigger's state across an interruption.
/// </summary>
public sealed class Trainer
{
    private readonly List<Entry> _entries = [];
    private readonly Stopwatch _clock = new();
    private double _elapsedBefore;

    public Trainer(IUpdater updater, IntervalTrigger stopTrigger, string? outFolder = null)
    {
        Updater = updater;
        StopTrigger = stopTrigger;
        OutFolder = outFolder;
    }

    /// <summary>Chainer's <c>stop_trigger=(epochs, 'epoch')</c>.</summary>
    public Trainer(IUpdater updater, int epochs, string? outFolder = null)
        : this(updater, IntervalTrigger.Epochs(epochs), outFolder)
    {
    }

    public IUpdater Updater { get; }

    public IntervalTrigger StopTrigger { get; }

    public string? OutFolder { get; }

    /// <summary>What this iteration reported (<see cref="ObservationKeys"/>); extensions may add to it.</summary>
    public IDictionary<string, double> Observation { get; private set; } = new Dictionary<string, double>();

    /// <summary>Seconds of training so far, including those before a resume.</summary>
    public double ElapsedTime => _elapsedBefore + _clock.Elapsed.TotalSeconds;

    /// <summary>Iterations from the start to the stop trigger.</summary>
    public long TotalIterations => StopTrigger.Iterations(Updater.IterationsPerEpoch);

    public bool StopRequested { get; private set; }

    /// <summary>Chainer's <c>trainer.extend(extension, trigger=..., priority=..., name=...)</c>; null keeps the extension's own.</summary>
    public void Extend(ITrainerExtension extension, ITrigger? trigger = null, int? priority = null, string? name = null)
    {
        string unique = name ?? extension.Name;
        for (int i = 1; _entries.Any(e => e.Name == unique); i++)
        {
            unique = $"{name ?? extension.Name}_{i}";
        }

        _entries.Add(new Entry(extension, unique, trigger ?? extension.Trigger, priority ?? extension.Priority));
    }

    /// <summary>The extension registered under <paramref name="name"/>.</summary>
    public ITrainerExtension GetExtension(string name) =>
        _entries.FirstOrDefault(e => e.Name == name)?.Extension ?? throw new KeyNotFoundException($"no extension named '{name}'");

    /// <summary>The extensions in the order they run, with their triggers.</summary>
    public IEnumerable<string> Describe() => Ordered().Select(e => $"{e.Name} (priority {e.Priority}, {e.Trigger})");

    /// <summary>Ends training after the current iteration's extensions (an extension's way to stop early).</summary>
    public void RequestStop() => StopRequested = true;

    public void Run()
    {
        var ordered = Ordered().ToList();
        StopRequested = false;
        _clock.Start();
        try
        {
            foreach (var entry in ordered)
            {
                entry.Extension.Initialize(this);
            }

            while (!StopRequested && !StopTrigger.Reached(Updater))
            {
                Observation = new Dictionary<string, double>();
                Updater.Update(Observation);
                foreach (var entry in ordered)
                {
                    // Asked in order, after the extensions before it ran: a best-value trigger sees the evaluator's values.
                    if (entry.Trigger.Fires(this))
                    {
                        entry.Extension.Run(this);
                    }
                }
            }
        }
        catch (Exception error)
        {
            foreach (var entry in ordered)
            {
                entry.Extension.OnError(this, error);
            }

            throw;
        }
        finally
        {
            _clock.Stop();
            foreach (var entry in ordered)
            {
                entry.Extension.Finalize(this);
            }
        }
    }

    /// <summary>The whole trainer's state: its clock, the updater's and every stateful extension's and trigger's, by name.</summary>
    public JsonObject Save(string folder)
    {
        var extensions = new JsonObject();
        foreach (var entry in _entries)
        {
            var state = new JsonObject();
            if (entry.Extension is ISnapshotState extension)
            {
                state["state"] = extension.Save(folder);
            }

            if (entry.Trigger is ISnapshotState trigger)
            {
                state["trigger"] = trigger.Save(folder);
            }

            if (state.Count > 0)
            {
                extensions[entry.Name] = state;
            }
        }

        return new JsonObject
        {
            [ObservationKeys.ElapsedTime] = ElapsedTime,
            ["updater"] = Updater.Save(folder),
            ["extensions"] = extensions,
        };
    }

    /// <summary>Restores what <see cref="Save"/> wrote into this trainer, which must have the same extensions.</summary>
    public void Restore(JsonObject state, string folder)
    {
        var fields = JsonFields.Wrap(state, Path.Combine(folder, Extensions.SnapshotFiles.State));
        _elapsedBefore = fields.Double(ObservationKeys.ElapsedTime, 0, double.MaxValue);
        Updater.Restore(Part(fields, "updater"), folder);
        var extensions = fields.Object("extensions");
        foreach (var entry in _entries)
        {
            bool stateful = entry.Extension is ISnapshotState || entry.Trigger is ISnapshotState;
            if (!stateful)
            {
                continue;
            }

            if (!extensions.Has(entry.Name))
            {
                throw extensions.Problem($"it holds no state for extension '{entry.Name}'; resume with the options the run started with");
            }

            var saved = extensions.Object(entry.Name);
            if (entry.Extension is ISnapshotState extension)
            {
                extension.Restore(Part(saved, "state"), folder);
            }

            if (entry.Trigger is ISnapshotState trigger)
            {
                trigger.Restore(Part(saved, "trigger"), folder);
            }
        }
    }

    private static JsonObject Part(JsonFields fields, string name) => fields.Object(name).Json;

    private IEnumerable<Entry> Ordered() => _entries.Select((e, i) => (e, i)).OrderByDescending(x => x.e.Priority).ThenBy(x => x.i).Select(x => x.e);

    private sealed record Entry(ITrainerExtension Extension, string Name, ITrigger Trigger, int Priority);
}
