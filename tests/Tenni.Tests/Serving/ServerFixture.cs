using Tenni.Cli.Serving;
using Tenni.Tests.Support;

namespace Tenni.Tests.Serving;

/// <summary>
/// A small trained run served on a free loopback port, shared by the API and browser tests. The request
/// limit is lowered to 4 MiB so that "a body over the limit" is a small upload (the mechanism is the same).
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const long MaxRequestBytes = 4L * 1024 * 1024;

    public TrainedRunFixture Run { get; } = new();

    public ModelServer Server { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public StringWriter Log { get; } = new();

    /// <summary>The folder the server loaded (the run's best/ when it has one).</summary>
    public string ModelFolder => Tenni.Cli.Commands.EvaluateCommand.ModelFolder(Run.Folder, "best");

    public async Task InitializeAsync()
    {
        var options = new ServeOptions { Run = Run.Folder, Port = 0, Top = 2, MaxRequestBytes = MaxRequestBytes, MaxFileBytes = 2L * 1024 * 1024 };
        Server = await ModelServer.StartAsync(options, TextWriter.Synchronized(Log));
        Client = new HttpClient { BaseAddress = new Uri(Server.Url), Timeout = TimeSpan.FromMinutes(2) };
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(Run.Folder)!, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "served run";
}
