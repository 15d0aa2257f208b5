using Microsoft.Playwright;

namespace Tenni.Tests.Support;

/// <summary>
/// Opens a file in the system's headless Chromium (Debian's <c>chromium</c> package) through Playwright's
/// bundled driver: Playwright never downloads a browser here (<c>ExecutablePath</c>), so a missing
/// Chromium fails the test with how to install it, rather than skipping it. Every request the page makes
/// is recorded, to show the report asks nothing of the network.
/// </summary>
internal static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    private static readonly string[] Arguments =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    /// <summary>The rendered page's text of every element matching <paramref name="selector"/>, a full-page PNG screenshot, and the URL of every request made.</summary>
    public static async Task<(IReadOnlyList<string> Texts, byte[] Screenshot, IReadOnlyList<string> Requests)> Open(string file, string selector)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: install Debian's Chromium (apt-get install -y chromium; .ci/run does this) — the report's browser test must not be skipped");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        string profile = Directory.CreateTempSubdirectory("tenni-chromium").FullName;
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = Executable,
                Headless = true,
                Args = Arguments,
                ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
            });
            var requests = new List<string>();
            context.Request += (_, request) => requests.Add(request.Url);
            var page = await context.NewPageAsync();
            await page.GotoAsync(new Uri(Path.GetFullPath(file)).AbsoluteUri, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
            var texts = await page.Locator(selector).AllInnerTextsAsync();
            byte[] screenshot = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
            return (texts, screenshot, requests);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
