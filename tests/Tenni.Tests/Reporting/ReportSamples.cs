using Tenni.Data;
using Tenni.Reporting;
using Tenni.Tests.Support;

namespace Tenni.Tests.Reporting;

/// <summary>A report's input without a model: a hand-made evaluation of three classes, one with a hostile name, and a real photo as thumbnail.</summary>
internal static class ReportSamples
{
    public const string Hostile = "<script>alert(1)</script>";

    public static ReportInput Input()
    {
        string[] classes = ["cat", "dog", Hostile];
        string photo = TestData.Photos("Cat", 1)[0];
        int[] labels = [0, 0, 1, 1, 2, 2, 0]; // photo 1 (a real cat) is taken for a dog: the one top loss with a thumbnail
        float[][] probabilities = [[.9f, .05f, .05f], [.2f, .7f, .1f], [.1f, .8f, .1f], [.3f, .6f, .1f], [.1f, .1f, .8f], [.5f, .2f, .3f], [.6f, .3f, .1f]];
        string[] paths = ["/data/cat/a.jpg", photo, "/data/dog/c.jpg", "/data/dog/d.jpg", "/data/x/e.jpg", $"/data/x/{Hostile}.jpg", "/data/cat/g.jpg"];
        var evaluation = Tenni.Evaluation.From(classes, labels, probabilities, paths, topLosses: 12);
        return new ReportInput
        {
            RunName = "run & <b>co</b>",
            ConfigJson = $$"""{ "options": { "Model": "resnet18" }, "layer": "pool5", "head_solver": { "solver": "Adam" }, "classes": ["{{Hostile}}"] }""",
            DataReports = [("data-report.json", DataReport(classes))],
            Log = [Entry(1, .9, .6), Entry(2, .6, .7), Entry(3, .5, .72)],
            ModelName = "best",
            Evaluation = evaluation,
            Thumbnails = new Dictionary<string, string> { [photo] = Thumbnail.DataUri(photo)! },
        };
    }

    private static Dictionary<string, double> Entry(int epoch, double loss, double accuracy) => new()
    {
        ["epoch"] = epoch, ["main/loss"] = loss, ["validation/main/loss"] = loss + .1, ["main/accuracy"] = accuracy, ["validation/main/accuracy"] = accuracy - .05, ["elapsed_time"] = epoch * 2.5,
    };

    private static DataReport DataReport(string[] classes) => new()
    {
        Root = "/data",
        Classes = [.. classes.Select((c, i) => new ClassCount(c, i, 3, 4))],
        Images = 9,
        Skipped = [new SkippedImage($"/data/cat/{Hostile}.jpg", Tenni.Imaging.ImageProblemKind.Truncated, "truncated <b>JPEG</b>")],
        Duplicates = [new DuplicateGroup("abc", ["/data/cat/a.jpg", "/data/dog/a.jpg"], AcrossClasses: true)],
        Formats = new Dictionary<string, int> { ["JPEG"] = 9 },
        Sizes = new SizeDistribution(new ValueRange(100, 300, 500), new ValueRange(90, 280, 400), new Dictionary<string, int> { ["64-223"] = 2, ["224-511"] = 7 }),
        MaxPixels = 89_478_485,
    };
}
