using Tenni.Native;

namespace Tenni.Tests.Native;

public sealed class OpenMpWaitingTests
{
    [Theory]
    [InlineData(null, null, "10000")]
    [InlineData("", "", "10000")]
    [InlineData("500", null, null)]
    [InlineData(null, "active", null)]
    [InlineData(null, "PASSIVE", null)]
    public void Choose_TheUsersOwnSettingWins(string? spinCount, string? waitPolicy, string? expected)
    {
        var environment = new Dictionary<string, string?> { ["GOMP_SPINCOUNT"] = spinCount, ["OMP_WAIT_POLICY"] = waitPolicy };

        Assert.Equal(expected, OpenMpWaiting.Choose(name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void Configure_OnceTenniIsLoaded_NativeCodeSeesTheSpinCount()
    {
        TorchNative.EnsureLoaded(); // Tenni.dll's module initializer has run by now, before libtorch loaded

        string? users = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        string? policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string? expected = !string.IsNullOrEmpty(users) ? users : string.IsNullOrEmpty(policy) ? OpenMpWaiting.Rounds : null;
        Assert.Equal(expected, OpenMpWaiting.NativeValue());
    }
}
