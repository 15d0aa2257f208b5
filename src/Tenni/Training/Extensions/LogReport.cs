using System.Text.Json;
using System.Text.Json.Nodes;
using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>
/// Chainer's <c>extensions.LogReport</c>: averages every reported value over each interval (an epoch by
/// default) and appends an entry with <c>epoch</c>, <c>iteration</c> and <c>elapsed_time</c> to a JSON
/// array, rewritten atomically each time, so <c>pd.DataFrame(json.load(f))</c> reads it unchanged.
/// </summary>
public sealed class LogReport(string path, IntervalTrigger? interval = null) : ITrainerExtension, ISnapshotState
{
    private readonly Dictionary<string, (double Sum, int Count)> _sums = [];
    private readonly List<IReadOnlyDictionary<string, double>> _entries = [];
    private readonly IntervalTrigger _interval = interval ?? IntervalTrigger.Epochs(1);

    public int Priority => ExtensionPriority.Editor;

    // Called every iteration to accumulate; writes an entry when its own interval ends.
    public ITrigger Trigger => IntervalTrigger.Iterations(1);

    public string Path { get; } = path;

    public IReadOnlyList<IReadOnlyDictionary<string, double>> Entries => _entries;

    public void Run(Trainer trainer)
    {
        foreach (var (key, value) in trainer.Observation)
        {
            var (sum, count) = _sums.GetValueOrDefault(key);
            _sums[key] = (sum + value, count + 1);
        }

        if (!_interval.Fires(trainer))
        {
            return;
        }

        var entry = _sums.ToDictionary(kv => kv.Key, kv => kv.Value.Sum / kv.Value.Count);
        entry[ObservationKeys.Epoch] = trainer.Updater.Epoch;
        entry[ObservationKeys.Iteration] = trainer.Updater.Iteration;
        entry[ObservationKeys.ElapsedTime] = trainer.ElapsedTime;
        _entries.Add(entry);
        _sums.Clear();
        AtomicFile.WriteAllText(Path, ToJson(_entries));
    }

    // Snapshots are taken where an entry has just been written, so the partial sums are not kept.
    public JsonObject Save(string folder) => new() { ["log"] = JsonNode.Parse(ToJson(_entries)) };

    public void Restore(JsonObject state, string folder)
    {
        var fields = JsonFields.Wrap(state, System.IO.Path.Combine(folder, SnapshotFiles.State));
        var entries = fields.Array("log", "an array of log entries").Select(e =>
        {
            var entry = fields.Element(e, "log");
            return entry.Names.ToDictionary(n => n, n => entry.Double(n, double.MinValue, double.MaxValue), StringComparer.Ordinal);
        }).ToList();
        _entries.Clear();
        _entries.AddRange(entries);
        _sums.Clear();
    }

    public static string ToJson(IEnumerable<IReadOnlyDictionary<string, double>> entries)
    {
        var array = new JsonArray();
        foreach (var entry in entries)
        {
            var item = new JsonObject();
            // JSON has no NaN or infinity: a value that is not finite (a diverged loss, an empty
            // validation set) is left out of its entry, as a missing observation.
            foreach (var (key, value) in entry.Where(kv => double.IsFinite(kv.Value)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                item[key] = key is ObservationKeys.Epoch or ObservationKeys.Iteration ? JsonValue.Create((long)value) : JsonValue.Create(value);
            }

            array.Add(item);
        }

        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static List<Dictionary<string, double>> Parse(string json) =>
        JsonNode.Parse(json)!.AsArray().Select(e => e!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>())).ToList();
}
