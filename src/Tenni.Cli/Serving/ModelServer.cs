using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Tenni.Cli.Serving;

/// <summary>
/// <c>tenni serve</c>'s web server (Kestrel, minimal APIs): the page, the JSON API and the limits. The
/// model is loaded once and shared by every request through a <see cref="PredictionGate"/>.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TrainedClassifier _classifier;
    private readonly PredictionGate _gate;

    private ModelServer(WebApplication app, TrainedClassifier classifier, PredictionGate gate, string url)
    {
        _app = app;
        _classifier = classifier;
        _gate = gate;
        Url = url;
    }

    /// <summary>The bound address, ending in '/', e.g. http://127.0.0.1:8080/ (with port 0, the port chosen).</summary>
    public string Url { get; }

    /// <summary>Loads the model, binds and starts serving; unexpected request failures are written to <paramref name="log"/>.</summary>
    public static async Task<ModelServer> StartAsync(ServeOptions options, TextWriter log, CancellationToken cancel = default)
    {
        var address = ParseHost(options.Host);
        if (options.Port is < 0 or > 65535)
        {
            throw new TenniException($"--port must be 0 to 65535 (0: any free port), got {options.Port}");
        }

        var classifier = TrainedClassifier.Load(Commands.EvaluateCommand.ModelFolder(options.Run, options.Model));
        var gate = new PredictionGate(options.MaxPending);
        try
        {
            var app = Build(options, address, classifier, gate, log);
            try
            {
                await app.StartAsync(cancel);
            }
            catch (IOException e)
            {
                await app.DisposeAsync();
                throw new TenniException($"cannot listen on {options.Host}:{options.Port}: {e.Message}");
            }

            string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ModelServer(app, classifier, gate, bound.TrimEnd('/') + "/");
        }
        catch
        {
            gate.Dispose();
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>Completes when the server is stopped (Ctrl+C, SIGTERM or <see cref="DisposeAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _gate.Dispose();
        _classifier.Dispose();
    }

    internal static IPAddress ParseHost(string host) =>
        host == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var address) ? address
        : throw new TenniException($"--host must be an IP address (127.0.0.1, ::1, 0.0.0.0) or localhost, got '{host}'");

    private static WebApplication Build(ServeOptions options, IPAddress address, TrainedClassifier classifier, PredictionGate gate, TextWriter log)
    {
        // No appsettings or ASPNETCORE_* from the working folder: everything comes from the options.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, options.Port);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddRoutingCore();
        builder.Services.Configure<FormOptions>(form =>
        {
            form.MultipartBodyLengthLimit = options.MaxRequestBytes;
            form.ValueCountLimit = options.MaxFiles + 16;
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Use(Guard(log));
        Map(app, options, classifier, gate);
        return app;
    }

    private static void Map(WebApplication app, ServeOptions options, TrainedClassifier classifier, PredictionGate gate)
    {
        var predict = new PredictEndpoint(classifier, gate, options);
        var mistakes = new ValidationMistakes(classifier, gate, options.Mistakes);
        string runFolder = Path.GetFullPath(options.Run);
        JsonObject info = ModelInfo.Describe(classifier, runFolder);
        string report = Path.Combine(runFolder, "report.html");
        info["limits"] = new JsonObject
        {
            ["max_request_bytes"] = options.MaxRequestBytes,
            ["max_file_bytes"] = options.MaxFileBytes,
            ["max_files"] = options.MaxFiles,
            ["max_pixels"] = options.MaxPixels,
            ["max_pending"] = options.MaxPending,
        };

        PageResources.Map(app);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapPost("/api/predict", (HttpRequest request, CancellationToken cancel) => predict.HandleAsync(request, cancel));
        app.MapGet("/api/model", () => Results.Json(ModelDocument(info, mistakes.Computed, report), ServerResults.Json));
        app.MapGet("/api/mistakes", async (CancellationToken cancel) => await mistakes.GetAsync(cancel) is { } result
            ? Results.Json(MistakesDocument(result), ServerResults.Json)
            : ServerResults.Busy());
        app.MapGet("/api/thumbnail/{index:int}", (int index) => mistakes.Thumbnail(index) is { } jpeg
            ? Results.Bytes(jpeg, "image/jpeg")
            : ServerResults.NotFound($"no mistake {index} (load /api/mistakes first)"));
        app.MapGet("/report", () => File.Exists(report)
            ? Results.File(report, "text/html; charset=utf-8")
            : Results.Text($"no report yet: run 'tenni report --run {runFolder}'", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound));
    }

    private static JsonObject ModelDocument(JsonObject info, Evaluation? evaluation, string report)
    {
        var document = (JsonObject)info.DeepClone();
        document["report"] = File.Exists(report) ? "/report" : null;
        document["evaluation"] = evaluation is null ? null : new JsonObject
        {
            ["count"] = evaluation.Count,
            ["accuracy"] = evaluation.Accuracy,
            ["balanced_accuracy"] = evaluation.BalancedAccuracy,
            ["log_loss"] = double.IsFinite(evaluation.LogLoss) ? evaluation.LogLoss : null,
        };
        return document;
    }

    private static object MistakesDocument(ValidationMistakes.Result result) => result.Evaluation is not { } e
        ? new { available = false, reason = result.Unavailable }
        : new
        {
            available = true,
            count = e.Count,
            accuracy = e.Accuracy,
            mistakes = e.TopLosses.Select((m, i) => new
            {
                index = i,
                file = Path.GetFileName(m.Path),
                true_class = m.TrueClass,
                predicted_class = m.PredictedClass,
                probability = m.Probability,
                thumbnail = $"/api/thumbnail/{i}",
            }),
        };

    // Every bad request is a 400 with its reason; only a real bug is a 500, and it is logged.
    private static Func<HttpContext, RequestDelegate, Task> Guard(TextWriter log) => async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (e is BadHttpRequestException or InvalidDataException && !context.Response.HasStarted)
        {
            await ServerResults.BadRequest($"bad request: {e.Message}").ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            lock (log)
            {
                log.WriteLine($"error: {context.Request.Method} {context.Request.Path}: {e}");
            }

            await Results.Json(new { error = $"internal error ({e.GetType().Name}); see the server's output" }, ServerResults.Json, statusCode: 500).ExecuteAsync(context);
        }
    };
}
