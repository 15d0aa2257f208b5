using Tenni.Tests.Cli;

namespace Tenni.Tests.Serving;

public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("does not exist", "--run", "/no/such/run", "--port", "0")]
    [InlineData("--port must be 0 to 65535", "--run", "/no/such/run", "--port", "70000")]
    [InlineData("--host must be an IP address", "--run", "/no/such/run", "--host", "example.com")]
    public void Bad_options_exit_2_with_one_line(string reason, params string[] args)
    {
        var (code, output, error) = CliRunner.Run(["serve", .. args]);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error);
        Assert.Contains(reason, error);
    }
}
