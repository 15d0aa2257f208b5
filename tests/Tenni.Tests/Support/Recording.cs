using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Tenni.Tests.Support;

/// <summary>
/// A folder of recorded outputs under <c>tests/Tenni.Tests/TestData/</c>: each check compares what a
/// test produced with the recorded text, or, when the environment variable <c>TENNI_RECORD=1</c> is set,
/// writes it as the new recording (review the diff before committing it; a failing comparison is never
/// a reason to re-record).
/// </summary>
/// <remarks>
/// Numbers are compared at one of two tolerances. On the processor that made the recording (its
/// <c>/proc/cpuinfo</c> model name and vector extensions, stored in <c>machine.txt</c>) runs are
/// bit-identical, so numbers must agree to 1e-12 relative: nothing but a re-ordered sum of doubles fits
/// in that. Elsewhere libtorch's oneDNN picks other kernels (limiting it to AVX2 moved the losses by up
/// to 3.3e-7 relative), so 1e-6 relative applies, and printed numbers may differ by one unit in their
/// last place.
/// </remarks>
internal sealed class Recording
{
    private const string MachineFile = "machine.txt";

    public Recording(string name)
    {
        Folder = Path.Combine(TestData.RepositoryRoot, "tests", "Tenni.Tests", "TestData", name);
        IsRecording = Environment.GetEnvironmentVariable("TENNI_RECORD") == "1";
        if (IsRecording)
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(Path.Combine(Folder, MachineFile), Machine() + "\n");
        }

        string recordedOn = File.Exists(Path.Combine(Folder, MachineFile)) ? File.ReadAllText(Path.Combine(Folder, MachineFile)).Trim() : "";
        SameMachine = recordedOn.Length > 0 && recordedOn != "unknown" && recordedOn == Machine();
    }

    public string Folder { get; }

    public bool IsRecording { get; }

    /// <summary>True on the processor model that made the recording: numbers must then be bit-identical in practice.</summary>
    public bool SameMachine { get; }

    public double RelativeTolerance => SameMachine ? 1e-12 : 1e-6;

    /// <summary>Text compared line by line; numbers inside a line at <see cref="RelativeTolerance"/> (plus one unit in the last printed place off the recording's machine).</summary>
    public void Lines(string file, IEnumerable<string> actual)
    {
        var lines = actual.ToList();
        if (Record(file, string.Join("\n", lines) + "\n"))
        {
            return;
        }

        var expected = File.ReadAllText(Path.Combine(Folder, file)).ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        for (int i = 0; i < Math.Max(expected.Length, lines.Count); i++)
        {
            string want = i < expected.Length ? expected[i] : "<no line>";
            string got = i < lines.Count ? lines[i] : "<no line>";
            Assert.True(LineMatches(want, got), $"{file}, line {i + 1}:\n  recorded: {want}\n  now:      {got}\n(all lines now:\n{string.Join("\n", lines)})");
        }
    }

    /// <summary>A JSON array of objects of numbers (Chainer's log) compared key by key at <see cref="RelativeTolerance"/>.</summary>
    public void NumberEntries(string file, IReadOnlyList<Dictionary<string, double>> actual)
    {
        string json = new JsonArray(actual.Select(e => (JsonNode)new JsonObject(e.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))))).ToArray()).ToJsonString(new() { WriteIndented = true });
        if (Record(file, json + "\n"))
        {
            return;
        }

        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, file)))!.AsArray()
            .Select(e => e!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>())).ToList();
        Assert.True(expected.Count == actual.Count, $"{file}: {actual.Count} entries, recorded {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Keys.Order(StringComparer.Ordinal), actual[i].Keys.Order(StringComparer.Ordinal));
            foreach (var (key, want) in expected[i])
            {
                double got = actual[i][key];
                Assert.True(Close(want, got, 0), $"{file}, entry {i + 1}, {key}: recorded {want:R}, now {got:R} (relative tolerance {RelativeTolerance:G})");
            }
        }
    }

    private bool Record(string file, string text)
    {
        if (IsRecording)
        {
            File.WriteAllText(Path.Combine(Folder, file), text);
        }

        return IsRecording;
    }

    // A number token: the text between numbers must be identical, the numbers close.
    private static readonly Regex NumberToken = new(@"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", RegexOptions.CultureInvariant);

    private bool LineMatches(string expected, string actual)
    {
        if (expected == actual)
        {
            return true;
        }

        if (SameMachine)
        {
            return false;
        }

        var wantNumbers = NumberToken.Matches(expected);
        var gotNumbers = NumberToken.Matches(actual);
        if (NumberToken.Replace(expected, "#").Trim() != NumberToken.Replace(actual, "#").Trim() || wantNumbers.Count != gotNumbers.Count)
        {
            return false;
        }

        return wantNumbers.Zip(gotNumbers).All(pair =>
        {
            double want = double.Parse(pair.First.Value, CultureInfo.InvariantCulture);
            double got = double.Parse(pair.Second.Value, CultureInfo.InvariantCulture);
            // One unit in the last printed place (6 decimals in the epoch table); whole numbers (epochs,
            // iterations, counts) exactly.
            int dot = pair.First.Value.IndexOf('.');
            return dot < 0 ? want == got : Close(want, got, Math.Pow(10, -(pair.First.Value.Length - dot - 1)));
        });
    }

    private bool Close(double expected, double actual, double absolute) =>
        expected == actual || Math.Abs(expected - actual) <= absolute + (RelativeTolerance * Math.Abs(expected));

    /// <summary>
    /// The processor as far as libtorch's kernels care: its model name (often only "AMD EPYC" in a
    /// virtual machine, shared by AVX2-only generations) and the vector extensions oneDNN chooses by.
    /// </summary>
    private static string Machine()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo))
        {
            return "unknown";
        }

        string[] lines = File.ReadLines(cpuinfo).TakeWhile(l => l.Length > 0).ToArray();
        string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) is { } line ? line[(line.IndexOf(':') + 1)..].Trim() : "";
        string[] isa = ["avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx512_fp16", "amx_tile"];
        var flags = Field("flags").Split(' ').ToHashSet();
        return $"{Field("model name")}; {string.Join(' ', isa.Where(flags.Contains))}";
    }
}
