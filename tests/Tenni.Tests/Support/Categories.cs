namespace Tenni.Tests.Support;

/// <summary>
/// Test categories. "RealModel" tests load the bundled 63 MB ResNet18 and real photos: slower, still run by CI.
/// The README's quick filter skips all three categories; a test of more than about 10 s that loads the
/// real ResNet18, decodes huge images or trains belongs in one of them.
/// </summary>
internal static class Categories
{
    public const string RealModel = "RealModel";

    /// <summary>Full-size networks (a 553 MB random VGG16): the slowest checks, still run by CI.</summary>
    public const string FullSize = "FullSize";

    /// <summary>The real <c>tenni</c> process on hostile files (issue 12's acceptance set): minutes, still run by CI.</summary>
    public const string Hostile = "Hostile";

    /// <summary>A real headless Chromium (Debian's <c>chromium</c>; .ci/run installs it) opens a page: seconds, never skipped.</summary>
    public const string Browser = "Browser";

    /// <summary>ONNX's 932 backend node tests (Debian's libonnx-testdata; .ci/run installs it) through Tenni's executor: about a minute.</summary>
    public const string OnnxBackend = "OnnxBackend";

    /// <summary>
    /// Sharded extraction simulated with real <c>tenni</c> processes (issue 18): about a minute. Such tests
    /// also carry <see cref="RealModel"/>, so every quick filter that skips real-model tests skips them.
    /// </summary>
    public const string ScaleOut = "ScaleOut";
}

/// <summary>Tests that touch global torch state (thread count, seeds) or the shared ResNet18 run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "torch";
}
