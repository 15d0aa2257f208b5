using System.Text.Json.Nodes;
using Tenni.Tests.Support;
using Xunit.Abstractions;

namespace Tenni.Tests.Hardening;

/// <summary>
/// The acceptance check, run as a user would meet it: the real <c>tenni</c> process on hostile
/// files and options. Every case must end within its time limit with exit code 0 or 2 (never 1, an abort
/// or a hang), stay under 1.5 GB of peak memory, leave every input byte-identical, and refuse every
/// tampered model.
/// </summary>
[Trait("Category", Categories.Hostile)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostileSetTests(HostileWorkspace workspace, ITestOutputHelper log) : IClassFixture<HostileWorkspace>
{
    private const long PeakLimit = 1536L << 20;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    public static TheoryData<string> DataCases => new() { "verify", "verify-json", "extract", "predict-table", "predict-csv", "show-fifo", "show-zero", "show-socket", "show-folder" };

    public static TheoryData<string> WeightCases => new()
    {
        "stride0.pth", "zip-bomb.pth", "huge.npz", "no-dtype.safetensors", "header-2e62.safetensors", "past-end.safetensors",
        "dims-2e40.onnx", "pad-million.onnx", "two-writers.onnx", "resnet18-cut16.onnx", "resnet18-cut4096.onnx", "garbage.bin",
        "fifo.onnx", "zero.onnx", "resnet18-flipped.onnx",
    };

    public static TheoryData<string> TamperCases => new()
    {
        "classes-swapped", "weights-flipped-no-checksum", "weights-flipped", "weights-absolute", "weights-parent", "classes-null",
        "classes-number", "json-truncated", "json-array", "json-deep", "safetensors-truncated", "layer-changed", "preprocessing-changed",
        "model-json-missing", "model-json-fifo",
    };

    [Theory]
    [MemberData(nameof(DataCases))]
    public void HostileDataFolder_EndsCleanly(string name)
    {
        string hostile = workspace.Hostile;
        string cat = Path.Combine(hostile, "cat");
        string features = Path.Combine(workspace.Root, $"features-{name}.npy");
        string[] args = name switch
        {
            "verify" => ["verify", hostile],
            "verify-json" => ["verify", hostile, "--json"],
            "extract" => ["extract", hostile, "--out", features],
            "predict-table" => ["predict", "--run", workspace.Run, hostile],
            "predict-csv" => ["predict", "--run", workspace.Run, hostile, "--csv"],
            "show-fifo" => ["show", Path.Combine(cat, "fifo.jpg"), "--out", Path.Combine(workspace.Root, "show.png")],
            "show-zero" => ["show", Path.Combine(cat, "zero.jpg"), "--out", Path.Combine(workspace.Root, "show.png")],
            "show-socket" => ["show", Path.Combine(cat, "socket.jpg"), "--out", Path.Combine(workspace.Root, "show.png")],
            _ => ["show", Path.Combine(cat, "folder.jpg"), "--out", Path.Combine(workspace.Root, "show.png")],
        };

        var outcome = Check(args, name.StartsWith("show", StringComparison.Ordinal) ? [2] : [0]);

        Assert.DoesNotContain('\u001b', outcome.Output + outcome.Error);
        Assert.DoesNotContain('\u0007', outcome.Output + outcome.Error);
        if (name == "predict-csv")
        {
            // Every name is one record: RFC 4180 quoting keeps a newline, tab, comma or quote inside its
            // field. (Escape sequences, CR and bidi overrides reach stdout as visible escapes instead.)
            var paths = ParseCsv(outcome.Output).Skip(1).Select(r => r[0]).ToHashSet();
            foreach (string control in HostileWorkspace.ControlNames.Where(n => !n.Any(c => c is '\u001b' or '\r' or '\u202e')))
            {
                Assert.Contains(Path.Combine(hostile, "cat", control), paths);
            }
        }

        if (name == "extract")
        {
            int rows = File.ReadAllLines(Path.ChangeExtension(features, null) + ".files.txt").Length;
            Assert.Equal(12 + HostileWorkspace.ControlNames.Length + 8, rows); // the good images, the oddly named ones and the eight bombs (within the pixel limit)
        }
    }

    [Theory]
    [MemberData(nameof(WeightCases))]
    public void HostileWeightFile_RefusedOrLoaded(string file)
    {
        string path = Path.Combine(workspace.WeightFiles, file);
        string model = file.EndsWith(".onnx", StringComparison.Ordinal) || file.EndsWith(".bin", StringComparison.Ordinal) ? "resnet18" : file.EndsWith(".npz", StringComparison.Ordinal) ? "vgg16" : "resnet50";

        Check(["layers", "--model", model, "--weights", path], file == "resnet18-flipped.onnx" ? [0, 2] : [2]);
    }

    [Theory]
    [MemberData(nameof(TamperCases))]
    public void TamperedModel_Refused(string name)
    {
        string run = workspace.TamperedRun(name, folder => Tamper(folder, name));
        string photo = Path.Combine(workspace.Data, "cat", "0000.png");

        Check(["predict", "--run", run, photo], [2]);
    }

    [Theory]
    [InlineData("extract-onto-input")]
    [InlineData("lr-nan")]
    [InlineData("predict-empty")]
    [InlineData("verbose-bad-input")]
    [InlineData("report-into-data")]
    public void HostileCommandLine_Exit2(string name)
    {
        string photo = Path.Combine(workspace.Hostile, "cat", "0000.png");
        string empty = Directory.CreateDirectory(Path.Combine(workspace.Root, "empty")).FullName;
        string[] args = name switch
        {
            "extract-onto-input" => ["extract", photo, "--out", photo],
            "lr-nan" => ["train", "--data", workspace.Data, "--lr", "NaN", "--out", Path.Combine(workspace.Root, "nan-run")],
            "predict-empty" => ["predict", "--run", workspace.Run, empty],
            "verbose-bad-input" => ["layers", "--model", "resnet18", "--weights", Path.Combine(workspace.WeightFiles, "garbage.bin"), "--verbose"],
            _ => ["verify", workspace.Hostile, "--report", Path.Combine(workspace.Hostile, "cat", "report.json")],
        };

        Check(args, [2]);
        Assert.False(Directory.Exists(Path.Combine(workspace.Root, "nan-run")));
    }

    // A strict RFC 4180 reader: quoted fields may hold commas, quotes (doubled) and line breaks.
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
            }
            else
            {
                field.Append(c);
            }
        }

        Assert.False(quoted, "the CSV ends inside a quoted field");
        return records;
    }

    private static void Tamper(string run, string name)
    {
        string json = Path.Combine(run, "model.json");
        string weights = Path.Combine(run, "model.safetensors");
        JsonObject Model() => JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        void Save(JsonObject model) => File.WriteAllText(json, model.ToJsonString());
        void Flip(string path, int position)
        {
            byte[] bytes = File.ReadAllBytes(path);
            bytes[position % bytes.Length] ^= 0x10;
            File.WriteAllBytes(path, bytes);
        }

        switch (name)
        {
            case "classes-swapped":
                var swapped = Model();
                swapped["classes"] = new JsonArray("dog", "cat");
                Save(swapped);
                break;
            case "weights-flipped-no-checksum":
                var bare = Model();
                foreach (string key in bare.Select(p => p.Key).Where(k => k.Contains("sha256", StringComparison.Ordinal) || k.Contains("integrity", StringComparison.Ordinal)).ToList())
                {
                    bare.Remove(key);
                }

                Save(bare);
                Flip(weights, (int)new FileInfo(weights).Length - 3);
                break;
            case "weights-flipped":
                Flip(weights, (int)new FileInfo(weights).Length - 3);
                break;
            case "weights-absolute":
                var absolute = Model();
                File.Copy(weights, Path.Combine(Path.GetTempPath(), $"tenni-elsewhere-{Guid.NewGuid():N}.safetensors"));
                absolute["weights"] = "/etc/passwd";
                Save(absolute);
                break;
            case "weights-parent":
                var parent = Model();
                parent["weights"] = "../run/model.safetensors";
                Save(parent);
                break;
            case "classes-null":
                var nulled = Model();
                nulled["classes"] = null;
                Save(nulled);
                break;
            case "classes-number":
                var number = Model();
                number["classes"] = 42;
                Save(number);
                break;
            case "json-truncated":
                File.WriteAllText(json, File.ReadAllText(json)[..(File.ReadAllText(json).Length / 2)]);
                break;
            case "json-array":
                File.WriteAllText(json, "[]");
                break;
            case "json-deep":
                File.WriteAllText(json, new string('[', 100_000) + new string(']', 100_000));
                break;
            case "safetensors-truncated":
                File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..100]);
                break;
            case "layer-changed":
                var layer = Model();
                layer["layer"] = "res5";
                Save(layer);
                break;
            case "preprocessing-changed":
                var pre = Model();
                foreach (var (key, _) in pre.Where(p => p.Key.Contains("preprocessing", StringComparison.Ordinal)).ToList())
                {
                    pre[key] = "Torchvision";
                }

                Save(pre);
                break;
            case "model-json-missing":
                File.Delete(json);
                break;
            default:
                File.Delete(json);
                SpecialFiles.MakeFifo(json);

                break;
        }
    }

    private CliProcess.Outcome Check(string[] args, int[] allowedExitCodes)
    {
        var before = workspace.Manifest();
        var outcome = CliProcess.Run(Limit, args);
        log.WriteLine($"tenni {string.Join(' ', args.Select(a => Path.GetFileName(a)))}: exit {outcome.ExitCode}, {outcome.Elapsed.TotalSeconds:F1} s, peak {outcome.PeakBytes / (1 << 20)} MB");
        log.WriteLine(outcome.Error.Length > 2000 ? outcome.Error[..2000] : outcome.Error);

        Assert.False(outcome.TimedOut, $"timed out after {Limit.TotalSeconds} s");
        Assert.Contains(outcome.ExitCode, allowedExitCodes);
        Assert.DoesNotContain("unexpected", outcome.Error, StringComparison.Ordinal);
        Assert.InRange(outcome.PeakBytes, 1, PeakLimit);
        if (outcome.ExitCode == 2 && !args.Contains("--verbose"))
        {
            Assert.Single(outcome.Error.TrimEnd('\n').Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        }

        var after = workspace.Manifest();
        Assert.Equal(before.Where(p => !p.Key.Contains("tampered-", StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal),
            after.Where(p => before.ContainsKey(p.Key) && !p.Key.Contains("tampered-", StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal));
        return outcome;
    }
}
