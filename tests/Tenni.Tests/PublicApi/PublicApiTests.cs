using PublicApiGenerator;
using Tenni.Tests.Support;

namespace Tenni.Tests.PublicApi;

/// <summary>
/// Every change to Tenni's public API shows up as a diff of Tenni.approved.txt. When the change is
/// intended, copy Tenni.received.txt (written beside it on failure) over the approved file.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedSnapshot()
    {
        string api = typeof(TenniException).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }).ReplaceLineEndings("\n");
        string folder = Path.Combine(TestData.RepositoryRoot, "tests", "Tenni.Tests", "PublicApi");
        string approvedPath = Path.Combine(folder, "Tenni.approved.txt");
        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";

        if (api != approved)
        {
            File.WriteAllText(Path.Combine(folder, "Tenni.received.txt"), api);
            Assert.Fail($"the public API changed; review {Path.Combine(folder, "Tenni.received.txt")} and copy it over Tenni.approved.txt if intended");
        }
    }
}
