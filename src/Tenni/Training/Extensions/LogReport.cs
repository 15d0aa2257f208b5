using System.Text.Json;
using System.Text.Json.Nodes;
using Tenni.IO;

namespace Tenni.Training.Extensions;

/// <summary>
/// Chainer's <c>extensions.LogReport</c>: averages every reported value over each epoch and appends an
/// entry with <c>epoch</c>, <c>iteration</c> and <c>elapsed_time</c> to a JSON array, rewritten atomically
/// after every epoch, so <c>pd.DataFrame(json.load(f))</c> reads it unchanged.
/// </summary>
public sealed class LogReport(string path) : ITrainerExtension
{
    private readonly Dictionary<string, (double Sum, int Count)> _sums = [];

    public string Name => "LogReport";

    public int Priority => ExtensionPriority.Editor;

    public string Path { get; } = path;

    public List<Dictionary<string, double>> Entries { get; } = [];

    public bool ShouldRun(Trainer trainer) => true;

    public void Run(Trainer trainer)
    {
        foreach (var (key, value) in trainer.Observation)
        {
            var (sum, count) = _sums.GetValueOrDefault(key);
            _sums[key] = (sum + value, count + 1);
        }

        if (!trainer.Updater.IsNewEpoch)
        {
            return;
        }

        var entry = _sums.ToDictionary(kv => kv.Key, kv => kv.Value.Sum / kv.Value.Count);
        entry["epoch"] = trainer.Updater.Epoch;
        entry["iteration"] = trainer.Updater.Iteration;
        entry["elapsed_time"] = trainer.ElapsedTime;
        Entries.Add(entry);
        _sums.Clear();
        AtomicFile.WriteAllText(Path, ToJson(Entries));
    }

    public static string ToJson(IEnumerable<Dictionary<string, double>> entries)
    {
        var array = new JsonArray();
        foreach (var entry in entries)
        {
            var item = new JsonObject();
            // JSON has no NaN or infinity: a value that is not finite (a diverged loss, an empty
            // validation set) is left out of its entry, as a missing observation.
            foreach (var (key, value) in entry.Where(kv => double.IsFinite(kv.Value)).OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                item[key] = key is "epoch" or "iteration" ? JsonValue.Create((long)value) : JsonValue.Create(value);
            }

            array.Add(item);
        }

        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static List<Dictionary<string, double>> Parse(string json) =>
        JsonNode.Parse(json)!.AsArray().Select(e => e!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>())).ToList();
}
