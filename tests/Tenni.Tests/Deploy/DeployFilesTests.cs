using System.Text.RegularExpressions;
using Tenni.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Tenni.Tests.Deploy;

/// <summary>
/// deploy/ as written must run the sharded extraction: no Kubernetes schema validator is installable on
/// these machines (kubectl validates only against a live API server), so the manifests are parsed and
/// the fields the job depends on are checked, and the CLI arguments they pass are parsed by the CLI's own rules.
/// </summary>
public sealed partial class DeployFilesTests
{
    private static string Deploy(params string[] parts) => Path.Combine([TestData.RepositoryRoot, "deploy", .. parts]);

    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] path) =>
        path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    [Fact]
    public void ExtractJob_IsAnIndexedJobWhoseShardCountIsItsCompletions()
    {
        var job = Load(Deploy("kubernetes", "extract-job.yaml"));

        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal("Job", Scalar(job, "kind"));
        Assert.Equal("Indexed", Scalar(job, "spec", "completionMode"));
        int completions = int.Parse(Scalar(job, "spec", "completions"));
        int parallelism = int.Parse(Scalar(job, "spec", "parallelism"));
        Assert.InRange(parallelism, 1, completions);
        Assert.True(int.Parse(Scalar(job, "spec", "backoffLimitPerIndex")) >= 1);
        Assert.Equal("Never", Scalar(job, "spec", "template", "spec", "restartPolicy")); // backoffLimitPerIndex requires it

        var container = (YamlMappingNode)Assert.Single((YamlSequenceNode)At(job, "spec", "template", "spec", "containers"));
        string[] args = ((YamlSequenceNode)At(container, "args")).Select(a => ((YamlScalarNode)a).Value!).ToArray();
        Assert.Equal("extract", args[0]);
        Assert.Equal("auto", args[Array.IndexOf(args, "--shard") + 1]);
        int shards = int.Parse(args[Array.IndexOf(args, "--shards") + 1]);
        Assert.Equal(completions, shards);

        // The last index Kubernetes hands out is a valid shard, and one past it is not.
        Assert.Equal(new Shard(completions - 1, completions), Shard.Parse("auto", shards, n => n == "JOB_COMPLETION_INDEX" ? $"{completions - 1}" : null));
        Assert.Throws<TenniException>(() => Shard.Parse("auto", shards, n => n == "JOB_COMPLETION_INDEX" ? $"{completions}" : null));
        AssertSharedVolume(job, container, args[1], args[Array.IndexOf(args, "--out") + 1]);
    }

    [Fact]
    public void TrainJob_MergesThenTrainsFromTheStoreTheExtractJobWrites()
    {
        var extract = Load(Deploy("kubernetes", "extract-job.yaml"));
        var train = Load(Deploy("kubernetes", "train-job.yaml"));
        var extractArgs = ((YamlSequenceNode)At((YamlMappingNode)((YamlSequenceNode)At(extract, "spec", "template", "spec", "containers"))[0], "args")).Select(a => ((YamlScalarNode)a).Value!).ToArray();
        string store = extractArgs[Array.IndexOf(extractArgs, "--out") + 1];
        var container = (YamlMappingNode)Assert.Single((YamlSequenceNode)At(train, "spec", "template", "spec", "containers"));
        string script = ((YamlScalarNode)((YamlSequenceNode)At(container, "args"))[0]).Value!;

        Assert.Equal("Job", Scalar(train, "kind"));
        Assert.Contains($"tenni features merge {store} && tenni train --features {store}", script);
        AssertSharedVolume(train, container, store, store);
    }

    [Fact]
    public void SlurmArray_HasAsManyTasksAsShardsAndShardsAuto()
    {
        string script = File.ReadAllText(Deploy("slurm", "extract.sbatch"));
        var array = ArrayLine().Match(script);

        Assert.True(array.Success, "no #SBATCH --array=0-N line");
        Assert.Equal("0", array.Groups[1].Value);
        int tasks = int.Parse(array.Groups[2].Value) + 1;
        Assert.Contains($"tenni extract \"$DATA\" --shard auto --shards {tasks} --out \"$STORE\"", script);
        Assert.Equal(new Shard(3, tasks), Shard.Parse("auto", tasks, n => n switch { "SLURM_ARRAY_TASK_ID" => "3", "SLURM_ARRAY_TASK_COUNT" => "1", _ => null }));
        Assert.Contains("--dependency=afterok", File.ReadAllText(Deploy("slurm", "train.sbatch")));
    }

    [Fact]
    public void Dockerfile_PublishesTheCliSelfContainedWithTheBundledModel()
    {
        string dockerfile = File.ReadAllText(Deploy("Dockerfile"));

        Assert.Contains("dotnet publish src/Tenni.Cli -c Release -r linux-x64 --self-contained true -o /app", dockerfile);
        Assert.Contains("DnnImageModels/ResNet18Onnx/ResNet18.onnx", dockerfile);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime-deps:10.0", dockerfile);
        Assert.Contains("ENTRYPOINT [\"tenni\"]", dockerfile);
    }

    // The data and the store both lie on the one volume every pod mounts.
    private static void AssertSharedVolume(YamlMappingNode job, YamlMappingNode container, string data, string store)
    {
        var mount = (YamlMappingNode)Assert.Single((YamlSequenceNode)At(container, "volumeMounts"));
        var volume = (YamlMappingNode)Assert.Single((YamlSequenceNode)At(job, "spec", "template", "spec", "volumes"));
        Assert.Equal(Scalar(volume, "name"), Scalar(mount, "name"));
        Assert.NotEmpty(Scalar(volume, "persistentVolumeClaim", "claimName"));
        string mountPath = Scalar(mount, "mountPath").TrimEnd('/') + "/";
        Assert.StartsWith(mountPath, data);
        Assert.StartsWith(mountPath, store);
    }

    [GeneratedRegex(@"^#SBATCH --array=(\d+)-(\d+)", RegexOptions.Multiline)]
    private static partial Regex ArrayLine();
}
