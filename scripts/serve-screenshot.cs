#:package Microsoft.Playwright
#:property PublishAot=false
// Screenshot of tenni serve's page after classifying photos (docs/images/serve.png), with the system's Chromium.
// Playwright's Node driver comes from the test project's build output (a file-based app does not copy it):
// PLAYWRIGHT_DRIVER_SEARCH_PATH=$PWD/tests/Tenni.Tests/bin/Debug/net10.0 \
//   dotnet run scripts/serve-screenshot.cs -- http://127.0.0.1:8080/ docs/images/serve.png photo.jpg [more.jpg]
using Microsoft.Playwright;

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new()
{
    ExecutablePath = "/usr/bin/chromium",
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 900, Height = 700 } });
await page.GotoAsync(args[0]);
await page.Locator("#files").SetInputFilesAsync(args[2..]);
await page.Locator("#results li.result").Nth(args.Length - 3).WaitForAsync();
await page.Locator("#load-mistakes").ClickAsync();
await page.Locator("#mistakes-status").Filter(new() { HasText = "accuracy" }).WaitForAsync(new() { Timeout = 120_000 });
await page.EvaluateAsync("window.scrollTo(0, 0)");
await page.ScreenshotAsync(new() { Path = args[1], FullPage = false });
Console.WriteLine($"wrote {args[1]}");
