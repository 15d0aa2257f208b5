using Microsoft.Playwright;

namespace Tenni.Tests.Serving;

/// <summary>
/// The page in a real browser: Playwright for .NET (its bundled Node driver, offline) driving the
/// system's Chromium. The test fails, not skips, without /usr/bin/chromium: the page is part of the product.
/// </summary>
[Trait("Category", "Browser")]
[Collection(ServerCollection.Name)]
public sealed class ServeBrowserTests(ServerFixture served)
{
    public const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Two_photos_picked_on_the_page_show_the_predicted_classes()
    {
        string[] photos = [served.Run.Photos[0], served.Run.Photos[^1]];
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var failures = new List<string>();
        page.RequestFailed += (_, request) => failures.Add(request.Url);

        await page.GotoAsync(served.Server.Url);
        await page.Locator("#files").SetInputFilesAsync(photos);
        await page.Locator("#results li.result").Nth(1).WaitForAsync(new() { Timeout = 60_000 });

        // The page lists the newest first; each result names its file and carries its best class.
        var shown = new Dictionary<string, string>();
        foreach (var item in await page.Locator("#results li.result").AllAsync())
        {
            shown[(await item.GetAttributeAsync("data-file"))!] = (await item.GetAttributeAsync("data-predicted"))!;
        }

        using var classifier = TrainedClassifier.Load(served.ModelFolder);
        foreach (var prediction in classifier.PredictFiles(photos))
        {
            Assert.Equal(classifier.Classes[prediction.Top(1).Single().Class], shown[Path.GetFileName(prediction.Path)]);
        }

        // The link to the run's report, or the words saying there is none (training may write one).
        bool hasReport = File.Exists(Path.Combine(served.Run.Folder, "report.html"));
        Assert.Equal(hasReport ? "Open the run's report" : "no report yet", await page.Locator("#report").InnerTextAsync());
        Assert.Empty(failures);
    }

    internal static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install it (apt-get install -y chromium); the browser tests need it");
        return await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }
}
