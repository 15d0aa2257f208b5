using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using Tenni.Cli.Serving;
using Tenni.IO;

namespace Tenni.Cli.Commands;

/// <summary><c>tenni serve</c>: a local web page and JSON API over a trained model (<see cref="ModelServer"/>), until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(CommandContext context)
    {
        var run = new Option<string>("--run", "-r") { Description = "Run folder written by 'tenni train' (or a folder with model.json)", Required = true };
        var port = new Option<int>("--port", "-p") { DefaultValueFactory = _ => 8080, Description = "TCP port (0: any free port)" };
        var host = new Option<string>("--host") { DefaultValueFactory = _ => "127.0.0.1", Description = "Address to listen on (default loopback only: the API has no authentication)" };
        var top = new Option<int>("--top", "-k") { DefaultValueFactory = _ => 3, Description = "Classes returned per image" };
        var which = new Option<string>("--model") { DefaultValueFactory = _ => "best", Description = "best (the run's best/ model, default) or last (the run's final model)" };
        var command = new Command("serve", "Serve a trained model: a web page to classify photos and browse mistakes, and a JSON API") { run, port, host, top, which };
        command.SetAction(parsed => context.Execute(parsed, () =>
        {
            var options = new ServeOptions
            {
                Run = parsed.GetValue(run)!,
                Port = parsed.GetValue(port),
                Host = parsed.GetValue(host)!,
                Top = CommonOptions.Positive(parsed.GetValue(top), "--top"),
                Model = parsed.GetValue(which)!,
            };
            if (!IPAddress.IsLoopback(ModelServer.ParseHost(options.Host)))
            {
                context.Error.WriteLine($"warning: listening on {options.Host}, reachable from other machines; the API has no authentication");
            }

            Serve(options, context).GetAwaiter().GetResult();
            return 0;
        }));
        return command;
    }

    private static async Task Serve(ServeOptions options, CommandContext context)
    {
        await using var server = await ModelServer.StartAsync(options, context.Error);
        context.Output.WriteLine($"serving {TextEscaping.ForDisplay(options.Run)} at {server.Url} (Ctrl+C to stop)");
        context.Output.Flush();

        // Ctrl+C and SIGTERM end the wait (the empty web host registers no console lifetime of its own);
        // disposing the server then stops Kestrel, letting requests in flight finish.
        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        try
        {
            await server.WaitForShutdownAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        context.Error.WriteLine("stopped");

        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }
    }
}
