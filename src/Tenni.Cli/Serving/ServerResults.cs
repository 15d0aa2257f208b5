using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Tenni.Cli.Serving;

/// <summary>The JSON shapes shared by the endpoints: snake_case, nulls left out, errors as <c>{ "error": reason }</c>.</summary>
internal static class ServerResults
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,

        // Quotes in reasons stay readable; the page inserts text with textContent, never as HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult BadRequest(string reason, object? files = null) =>
        Results.Json(new { error = reason, files }, Json, statusCode: StatusCodes.Status400BadRequest);

    public static IResult NotFound(string reason) => Results.Json(new { error = reason }, Json, statusCode: StatusCodes.Status404NotFound);

    /// <summary>503 with Retry-After: the prediction queue is full.</summary>
    public static IResult Busy() => new BusyResult();

    private sealed class BusyResult : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers.RetryAfter = "1";
            return Results.Json(new { error = "too many predictions waiting; retry in a second" }, Json, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
        }
    }
}
