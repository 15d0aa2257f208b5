using Onnx;
using Tenni.Native;
using Tenni.Onnx;
using Tenni.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Tenni.Tests.Onnx;

/// <summary>
/// ONNX's own backend node tests (one operator per model, with inputs and expected outputs; Debian's
/// <c>libonnx-testdata</c>, which .ci/run installs) run through Tenni's executor. Weights given as graph
/// inputs are moved into initializers, since Tenni runs one image input. Every test whose operators
/// Tenni supports must pass, except those in <see cref="BackendNodeSuite.KnownFailures"/>, each with its reason.
/// </summary>
[Collection(TorchCollection.Name)]
[Trait("Category", Categories.OnnxBackend)]
public sealed class BackendNodeTests(ITestOutputHelper output)
{
    private const int RequiredPasses = 400;

    [Fact]
    public void Onnx_backend_node_tests_pass_for_supported_operators()
    {
        if (!Directory.Exists(BackendNodeSuite.Folder))
        {
            output.WriteLine($"{BackendNodeSuite.Folder} is missing: install Debian's libonnx-testdata (.ci/run does)");
            return;
        }

        // Given every node test of the suite
        TorchNative.EnsureLoaded();
        var results = Directory.GetDirectories(BackendNodeSuite.Folder).Order(StringComparer.Ordinal)
            .Select(dir => (Name: Path.GetFileName(dir), Outcome: BackendNodeSuite.Run(dir))).ToArray();

        // When they are sorted into passed, unsupported operators and failures
        var passed = results.Where(r => r.Outcome is null).ToArray();
        var unsupported = results.Where(r => r.Outcome?.StartsWith(BackendNodeSuite.Unsupported, StringComparison.Ordinal) == true).ToArray();
        var failed = results.Except(passed).Except(unsupported).ToArray();
        output.WriteLine($"{results.Length} node tests: {passed.Length} pass, {failed.Length} fail among supported operators ({failed.Count(f => BackendNodeSuite.KnownFailures.ContainsKey(f.Name))} known), {unsupported.Length} use an unsupported operator or type");
        foreach (var (name, outcome) in failed)
        {
            output.WriteLine($"  {name}: {outcome}{(BackendNodeSuite.KnownFailures.TryGetValue(name, out var why) ? $" (known: {why})" : "")}");
        }

        foreach (var group in unsupported.GroupBy(u => u.Outcome).OrderByDescending(g => g.Count()))
        {
            output.WriteLine($"  {group.Count(),4} {group.Key}");
        }

        // Then enough pass, and every failure among supported operators is a known, explained one
        Assert.True(passed.Length >= RequiredPasses, $"{passed.Length} node tests pass, expected at least {RequiredPasses}");
        Assert.Empty(failed.Where(f => !BackendNodeSuite.KnownFailures.ContainsKey(f.Name)).Select(f => $"{f.Name}: {f.Outcome}"));
    }
}
