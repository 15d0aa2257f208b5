using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Tenni.Cli.Serving;

/// <summary>
/// The page and its script and style, embedded in the tool: nothing comes from a CDN, and the
/// Content-Security-Policy lets the browser load nothing from anywhere else.
/// </summary>
internal static class PageResources
{
    private const string Policy = "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'";

    private static readonly (string Route, string Resource, string Type)[] Files =
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "app.css", "text/css; charset=utf-8"),
    ];

    public static void Map(WebApplication app)
    {
        foreach (var (route, resource, type) in Files)
        {
            byte[] content = Read(resource);
            app.MapGet(route, (HttpContext context) =>
            {
                context.Response.Headers.ContentSecurityPolicy = Policy;
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(content, type);
            });
        }
    }

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Tenni.Cli.Serving.Page.{name}")
            ?? throw new InvalidOperationException($"the page resource {name} is missing from the build");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
